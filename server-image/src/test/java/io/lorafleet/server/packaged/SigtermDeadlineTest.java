package io.lorafleet.server.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.server.testing.PackagedServer;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM with more work in flight than the drain deadline allows: the process exits within one
 * {@code --drain-timeout} of the signal (plus the moment it takes to write the cut answers), not
 * two; every stream cut at the deadline ends with an error event in the OpenAI shape and then
 * {@code data: [DONE]}; a whole answer cut at the deadline is a 503 in the same shape.
 */
class SigtermDeadlineTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int DRAIN_SECONDS = 3;
  static final int STREAMS = 6;
  static final int WHOLE = 2;

  record Streamed(int status, List<String> data) {}

  @Test
  void workPastTheDeadlineIsCutWithAnErrorAndTheProcessExitsWithinOneDeadline() throws Exception {
    try (PackagedServer server =
        PackagedServer.start(
            "sigterm-deadline",
            "--threads",
            "1",
            "--max-running",
            "2",
            "--kv-cache-tokens",
            "65536",
            "--drain-timeout",
            DRAIN_SECONDS + "s")) {
      CountDownLatch started = new CountDownLatch(STREAMS);
      List<CompletableFuture<Streamed>> streams = new ArrayList<>();
      for (int i = 0; i < STREAMS; i++) {
        ObjectNode body = completion("a long story number " + i).put("stream", true);
        streams.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    HttpResponse<Stream<String>> r =
                        server.http.send(post(server, body), HttpResponse.BodyHandlers.ofLines());
                    List<String> data = new ArrayList<>();
                    r.body()
                        .filter(l -> l.startsWith("data: "))
                        .forEach(
                            l -> {
                              if (data.isEmpty()) {
                                started.countDown();
                              }
                              data.add(l.substring(6));
                            });
                    return new Streamed(r.statusCode(), data);
                  } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
      assertThat(started.await(60, TimeUnit.SECONDS)).as("every stream started").isTrue();
      // The whole requests go in behind the streams, so they are still queued or running at the
      // deadline: sent first, on an idle machine they were answered before it (seen in CI).
      List<CompletableFuture<HttpResponse<String>>> whole = new ArrayList<>();
      for (int i = 0; i < WHOLE; i++) {
        whole.add(
            server.http.sendAsync(
                post(server, completion("a whole story number " + i)),
                HttpResponse.BodyHandlers.ofString()));
      }
      Thread.sleep(300); // the whole requests are queued or running too

      long signal = System.nanoTime();
      server.process.destroy(); // SIGTERM
      assertThat(server.process.waitFor(60, TimeUnit.SECONDS)).as("the process exits").isTrue();
      Duration toExit = Duration.ofNanos(System.nanoTime() - signal);
      String log = server.logText();
      assertThat(server.process.exitValue()).as(log).isZero();
      assertThat(log).contains("drain timed out");
      // One deadline: the drain timeout plus the moment to write the cut answers and exit, where
      // the drain used to be applied twice (Quarkus' wait, then the engine's).
      assertThat(toExit).as(log).isLessThan(Duration.ofSeconds(DRAIN_SECONDS).plusMillis(2500));
      System.out.printf(
          "SIGTERM to exit: %d ms (drain timeout %d s)%n", toExit.toMillis(), DRAIN_SECONDS);

      int cut = 0;
      for (CompletableFuture<Streamed> f : streams) {
        Streamed s = f.get(30, TimeUnit.SECONDS);
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.data()).as("a stream ends with [DONE]").isNotEmpty();
        assertThat(s.data().getLast())
            .as("a stream ends with [DONE]: " + s.data())
            .isEqualTo("[DONE]");
        JsonNode last = JSON.readTree(s.data().get(s.data().size() - 2));
        if (last.has("error")) {
          assertShuttingDown(last);
          cut++;
        } else {
          assertThat(last.path("choices").path(0).path("finish_reason").asText())
              .isIn("length", "stop");
        }
      }
      int refused = 0;
      for (CompletableFuture<HttpResponse<String>> f : whole) {
        HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
        if (r.statusCode() == 503) {
          assertShuttingDown(JSON.readTree(r.body()));
          refused++;
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
      }
      assertThat(cut).as("streams cut at the deadline (make the work longer)").isPositive();
      assertThat(refused)
          .as("whole answers cut at the deadline (make the work longer)")
          .isPositive();
    }
  }

  private static void assertShuttingDown(JsonNode body) {
    JsonNode error = body.path("error");
    assertThat(error.path("code").asText()).as(body.toString()).isEqualTo("shutting_down");
    assertThat(error.path("type").asText()).as(body.toString()).isEqualTo("server_error");
    assertThat(error.path("message").asText()).as(body.toString()).isNotBlank();
    assertThat(error.has("param")).as(body.toString()).isTrue();
  }

  private static ObjectNode completion(String prompt) {
    return JSON.createObjectNode()
        .put("model", "tiny")
        .put("prompt", prompt)
        .put("max_tokens", 2000)
        .put("temperature", 0);
  }

  private static HttpRequest post(PackagedServer server, ObjectNode body) {
    return HttpRequest.newBuilder(server.base.resolve("/v1/completions"))
        .timeout(Duration.ofSeconds(120))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }
}
