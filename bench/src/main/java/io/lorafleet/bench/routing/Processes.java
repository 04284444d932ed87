package io.lorafleet.bench.routing;

import io.lorafleet.ports.PortTaken;
import io.lorafleet.ports.PortTakenException;
import io.lorafleet.ports.StartOnFreePort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server and router started as child processes on free loopback ports ({@link
 * StartOnFreePort}), stopped at close.
 */
final class Processes implements AutoCloseable {
  private final List<Process> running = new ArrayList<>();
  private final Path root;
  private final Path repo;

  Processes(Path root, Path repo) {
    this.root = root;
    this.repo = repo;
  }

  /** Where the processes' logs and files go. */
  Path root() {
    return root;
  }

  URI server(Path model, int index, int maxRunning) throws IOException {
    return server(model, index, List.of("--max-running", Integer.toString(maxRunning)));
  }

  /** A server with the bench's usual flags plus {@code flags} (device slots, admin token, ...). */
  URI server(Path model, int index, List<String> flags) throws IOException {
    String name = "server-" + index;
    return StartOnFreePort.start(
        name,
        port -> {
          List<String> args =
              new ArrayList<>(
                  List.of(
                      "-Xmx1g",
                      "--add-modules",
                      "jdk.incubator.vector",
                      "--enable-native-access=ALL-UNNAMED",
                      "-Dai.djl.offline=true",
                      "-jar",
                      jar("server-image").toString(),
                      "serve",
                      "--model",
                      model.toString(),
                      "--served-model-name",
                      "tiny",
                      "--host",
                      "127.0.0.1",
                      "--port",
                      Integer.toString(port),
                      "--threads",
                      "1",
                      "--cache-dir",
                      root.resolve("cache-" + index).toString()));
          args.addAll(flags);
          return startReady(name, port, args);
        });
  }

  URI router(List<URI> pods) throws IOException {
    return router(pods, "router", jar("router"));
  }

  /**
   * A router started from {@code jar} (e.g. one built from another commit, to compare in one run),
   * logging to {@code name}.log.
   */
  URI router(List<URI> pods, String name, Path jar) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is not a router jar (quarkus-app/quarkus-run.jar)");
    }
    StringBuilder list = new StringBuilder();
    for (URI p : pods) {
      list.append(list.isEmpty() ? "" : ",").append(p);
    }
    // extra JVM options for the router only (a profiler, a setting to try), space-separated
    String extra = System.getProperty("lorafleet.routing.router-jvm", "").trim();
    return StartOnFreePort.start(
        name,
        port -> {
          List<String> args = new ArrayList<>();
          args.add("-Xmx512m");
          if (!extra.isEmpty()) {
            args.addAll(List.of(extra.split("\\s+")));
          }
          args.addAll(
              List.of(
                  "-Dquarkus.http.host=127.0.0.1",
                  "-Dquarkus.http.port=" + port,
                  "-Dlorafleet.router.pods=" + list,
                  "-Dlorafleet.router.max-queued=1024",
                  "-jar",
                  jar.toString()));
          return startReady(name, port, args);
        });
  }

  private Path jar(String module) {
    Path jar = repo.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: ./mvnw -pl " + module + " -am package");
    }
    return jar;
  }

  /**
   * Starts {@code java args} listening on {@code port} and waits until it is ready; a process whose
   * port was taken before it bound it is a {@link PortTakenException}, so the caller starts it
   * again on a new port.
   */
  private URI startReady(String name, int port, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(args);
    Path log = root.resolve(name + ".log");
    Process process =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    running.add(process);
    URI uri = URI.create("http://127.0.0.1:" + port);
    HttpClient http = HttpClient.newHttpClient();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try {
      while (System.nanoTime() < end) {
        if (!process.isAlive()) {
          process.waitFor(); // its output is complete
          running.remove(process);
          PortTaken.throwIfTaken(name, port, log);
          throw new IOException(name + " exited with " + process.exitValue() + "; see " + log);
        }
        try {
          if (http.send(
                      HttpRequest.newBuilder(uri.resolve("/health/ready"))
                          .timeout(Duration.ofSeconds(5))
                          .build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode()
              == 200) {
            return uri;
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(200);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    throw new IOException(name + " not ready within 120 s; see " + log);
  }

  @Override
  public void close() {
    running.forEach(Process::destroy);
    for (Process p : running) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
  }
}
