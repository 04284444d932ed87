package io.lorafleet.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartOnFreePortTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  @TempDir Path dir;

  /**
   * A real child process (the JDK's file server) whose first port is taken before it binds it, as
   * an outgoing connection or another listener can take it: it starts again on a new port, and the
   * failed attempt's log is kept.
   */
  @Test
  void aChildWhosePortWasTakenStartsAgainOnANewPortAndTheFailedLogIsKept() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), LoopbackPorts.next()));
      TakenFirst takenFirst = new TakenFirst(taken.getLocalPort());
      Path log = dir.resolve("server.log");
      Process server =
          StartOnFreePort.start("file server", takenFirst, port -> fileServer(port, log));
      try {
        List<Integer> tried = takenFirst.handedOut();
        assertThat(tried).hasSize(2);
        assertThat(answers(tried.get(1))).isTrue();
        assertThat(dir.resolve("server.log.attempt1"))
            .content()
            .containsIgnoringCase("address already in use");
        assertThat(log).content().doesNotContainIgnoringCase("address already in use");
      } finally {
        server.destroy();
        server.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void givesUpAfterThreeAttemptsWithTheLastFailure() {
    List<Integer> tried = new ArrayList<>();
    assertThatThrownBy(
            () ->
                StartOnFreePort.start(
                    "server",
                    port -> {
                      tried.add(port);
                      throw new PortTakenException("server", port, null, "bind failed");
                    }))
        .isInstanceOf(PortTakenException.class)
        .hasMessageContaining("127.0.0.1:" + tried.getLast());
    assertThat(tried).hasSize(StartOnFreePort.ATTEMPTS).doesNotHaveDuplicates();
  }

  @Test
  void anotherFailureIsNotRetried() {
    List<Integer> tried = new ArrayList<>();
    assertThatThrownBy(
            () ->
                StartOnFreePort.start(
                    "server",
                    port -> {
                      tried.add(port);
                      throw new IOException("the model is missing");
                    }))
        .hasMessage("the model is missing");
    assertThat(tried).hasSize(1);
  }

  /** {@code java -m jdk.httpserver} on {@code port}, returned once it listens. */
  private Process fileServer(int port, Path log) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-m",
                "jdk.httpserver",
                "-b",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-d",
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        PortTaken.throwIfTaken("file server", port, log);
        throw new IOException("the file server exited: " + Files.readString(log));
      }
      if (answers(port)) {
        return process;
      }
      Thread.sleep(50);
    }
    process.destroyForcibly();
    throw new IOException("the file server did not listen within 60 s: " + Files.readString(log));
  }

  /** An HTTP answer, which the test's bare listener on the taken port never gives. */
  private static boolean answers(int port) throws InterruptedException {
    try {
      HttpResponse<Void> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                  .timeout(Duration.ofSeconds(1))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }
}
