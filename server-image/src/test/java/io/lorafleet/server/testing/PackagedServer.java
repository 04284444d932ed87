package io.lorafleet.server.testing;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The packaged server ({@code java -jar quarkus-run.jar serve}, the container's entry point) as a
 * child process on a free loopback port ({@link LoopbackPorts}) with the tiny test model, its
 * output in a log file. Only in the surefire execution {@code packaged-server}, which passes the
 * jar as {@code lorafleet.test.server-jar}; elsewhere the test is skipped visibly.
 */
public final class PackagedServer implements AutoCloseable {
  public final Process process;
  public final URI base;
  public final Path log;
  public final Path root;
  public final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private PackagedServer(Process process, URI base, Path log, Path root) {
    this.process = process;
    this.base = base;
    this.log = log;
    this.root = root;
  }

  /** Starts the server with {@code extraArgs} after the common ones and waits for readiness. */
  public static PackagedServer start(String name, String... extraArgs) throws Exception {
    return start(name, LoopbackPorts::next, extraArgs);
  }

  /**
   * As {@link #start(String, String...)} on ports from {@code ports}: when the port was taken
   * before the server bound it, it starts again on the next one (at most {@link
   * StartOnFreePort#ATTEMPTS} in all), the failed attempt's log kept beside the new one.
   */
  public static PackagedServer start(String name, IntSupplier ports, String... extraArgs)
      throws Exception {
    String jar = System.getProperty("lorafleet.test.server-jar");
    assumeTrue(
        jar != null && Files.isRegularFile(Path.of(jar)),
        "runs in the packaged-server execution after package (lorafleet.test.server-jar)");
    Path root = Files.createTempDirectory(Path.of("target"), name).toAbsolutePath();
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), root.resolve("model"));
    return StartOnFreePort.start(
        "the packaged server", ports, port -> launch(jar, root, model, port, extraArgs));
  }

  private static PackagedServer launch(
      String jar, Path root, Path model, int port, String... extraArgs) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar,
                "serve",
                "--model",
                model.toString(),
                "--served-model-name",
                "tiny",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--cache-dir",
                root.resolve("cache").toString()));
    cmd.addAll(List.of(extraArgs));
    Path log = root.resolve("server.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    PackagedServer server =
        new PackagedServer(p, URI.create("http://127.0.0.1:" + port), log, root);
    try {
      server.awaitReady();
    } catch (Exception | AssertionError e) {
      server.close();
      throw e;
    }
    return server;
  }

  public int port() {
    return base.getPort();
  }

  public String logText() throws IOException {
    return Files.readString(log);
  }

  private void awaitReady() throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        process.waitFor(); // its output is complete
        PortTaken.throwIfTaken("the packaged server", port(), log);
        fail("the server exited with " + process.exitValue() + ":\n" + logText());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(base.resolve("/health/ready"))
                    .timeout(Duration.ofSeconds(5))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet, or not answering yet
      }
      Thread.sleep(200);
    }
    fail("the server did not become ready:\n" + logText());
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
