package io.lorafleet.cli;

import io.lorafleet.ports.LoopbackPorts;
import io.lorafleet.ports.PortTaken;
import io.lorafleet.ports.StartOnFreePort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The multi-LoRA server (server-image, a Quarkus application) run as a child process of this JVM,
 * with the same JVM flags as its container entrypoint. Closing it sends SIGTERM: the server drains
 * running requests, then exits. So does a SIGTERM or SIGINT to this JVM (Ctrl-C, kill, a
 * supervisor): those run shutdown hooks, not {@link #close()}, so a hook stops the server too.
 */
final class ServerProcess implements AutoCloseable {
  /** Set by the {@code lorafleet} launcher; otherwise found beside the CLI jar in a checkout. */
  static final String JAR_PROPERTY = "lorafleet.server.jar";

  private final Process process;
  private final int port;
  private final Thread stopOnExit;

  private ServerProcess(Process process, int port) {
    this.process = process;
    this.port = port;
    this.stopOnExit = new Thread(this::stop, "lorafleet-server-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  static Path jar() {
    String configured = System.getProperty(JAR_PROPERTY);
    Path jar;
    if (configured != null) {
      jar = Path.of(configured);
    } else {
      String root = System.getProperty("lorafleet.root");
      jar =
          root != null
              ? Path.of(root, "server-image/target/quarkus-app/quarkus-run.jar")
              : Path.of("server-image/target/quarkus-app/quarkus-run.jar");
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          "the server is not built: "
              + jar.toAbsolutePath().normalize()
              + " is missing (./mvnw -pl server-image -am package -DskipTests, or use ./lorafleet)");
    }
    return jar;
  }

  /** The command that runs the server with {@code args} (the {@code serve ...} flags). */
  static List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "--add-modules",
            "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED",
            "-Dai.djl.offline=true",
            // The heap (so the weights) on huge pages: CPU decode streams every weight once per
            // token and runs 5-20% slower on 4 KiB pages (bench/cpu-decode.md), as the image does.
            "-XX:+UseTransparentHugePages",
            "-jar",
            jar().toAbsolutePath().toString(),
            "serve"));
    command.addAll(args);
    return command;
  }

  /**
   * Starts the server on a free loopback port ({@link LoopbackPorts}) and waits until it is ready.
   * When that port was taken before the server bound it, it starts again on a new one (at most
   * {@link StartOnFreePort#ATTEMPTS} in all; the failed attempt's log is kept beside {@code log}).
   */
  static ServerProcess startReady(
      List<String> args, Map<String, String> env, Path log, Duration timeout) throws Exception {
    return StartOnFreePort.start(
        "the server",
        port -> {
          ServerProcess server = start(args, port, env, log);
          try {
            server.awaitReady(timeout, log);
            return server;
          } catch (Exception e) {
            server.close();
            throw e;
          }
        });
  }

  /** Starts the server on {@code port}, its output in {@code log}, extra environment in env. */
  private static ServerProcess start(List<String> args, int port, Map<String, String> env, Path log)
      throws IOException {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of("--port", Integer.toString(port), "--host", "127.0.0.1"));
    ProcessBuilder builder = new ProcessBuilder(command(all));
    builder.environment().putAll(env);
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    return new ServerProcess(builder.start(), port);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  int port() {
    return port;
  }

  /** Waits until /health/ready answers 200 (base model loaded). */
  void awaitReady(Duration timeout, Path log) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        process.waitFor(); // its output is complete
        PortTaken.throwIfTaken("the server", port, log);
        throw new IOException("the server exited with " + process.exitValue() + "; see " + log);
      }
      try {
        if (http.send(
                    HttpRequest.newBuilder(uri("/health/ready"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IOException("the server was not ready within " + timeout + "; see " + log);
  }

  void waitFor() throws InterruptedException {
    process.waitFor();
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs stop() as well, which is harmless
    }
  }

  private void stop() {
    process.destroy(); // SIGTERM: drain, then exit
    try {
      if (!process.waitFor(Duration.ofSeconds(30))) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
