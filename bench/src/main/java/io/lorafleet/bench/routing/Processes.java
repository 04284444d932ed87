package io.lorafleet.bench.routing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged server and router started as child processes on loopback, stopped at close. */
final class Processes implements AutoCloseable {
  private final List<Process> running = new ArrayList<>();
  private final Path root;
  private final Path repo;

  Processes(Path root, Path repo) {
    this.root = root;
    this.repo = repo;
  }

  URI server(Path model, int index, int maxRunning) throws IOException {
    int port = freePort();
    start(
        "server-" + index,
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
            "--max-running",
            Integer.toString(maxRunning),
            "--cache-dir",
            root.resolve("cache-" + index).toString()));
    URI uri = URI.create("http://127.0.0.1:" + port);
    awaitReady(uri, "server-" + index);
    return uri;
  }

  URI router(List<URI> pods) throws IOException {
    int port = freePort();
    StringBuilder list = new StringBuilder();
    for (URI p : pods) {
      list.append(list.isEmpty() ? "" : ",").append(p);
    }
    start(
        "router",
        List.of(
            "-Xmx512m",
            "-Dquarkus.http.host=127.0.0.1",
            "-Dquarkus.http.port=" + port,
            "-Dlorafleet.router.pods=" + list,
            "-Dlorafleet.router.max-queued=1024",
            "-jar",
            jar("router").toString()));
    URI uri = URI.create("http://127.0.0.1:" + port);
    awaitReady(uri, "router");
    return uri;
  }

  private Path jar(String module) {
    Path jar = repo.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: ./mvnw -pl " + module + " -am package");
    }
    return jar;
  }

  private void start(String name, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(args);
    running.add(
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(root.resolve(name + ".log").toFile())
            .start());
  }

  private void awaitReady(URI uri, String name) throws IOException {
    HttpClient http = HttpClient.newHttpClient();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < end) {
      try {
        if (http.send(
                    HttpRequest.newBuilder(uri.resolve("/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    throw new IOException(name + " not ready within 120 s; see " + root.resolve(name + ".log"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
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
