package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.server.testing.PackagedServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM against the packaged server as a child process ({@code java -jar quarkus-run.jar serve},
 * the container's entry point, started by {@link PackagedServer}): streams running at the signal
 * finish with {@code [DONE]} and their full length, a request that arrives during the drain gets
 * 503, and the process exits 0.
 *
 * <p>It needs {@code target/quarkus-app/quarkus-run.jar} as built in the same run, so it runs in
 * the surefire execution {@code packaged-server} after {@code package} (which passes the jar as
 * {@code lorafleet.test.server-jar}); in the unit-test execution it is skipped visibly.
 */
class SigtermDrainTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int STREAMS = 6;
  static final int MAX_TOKENS = 2000;

  /** One stream as the client saw it. */
  record Streamed(int status, List<String> data) {}

  @Test
  void runningStreamsFinishNewRequestsGet503AndTheProcessExitsZero() throws Exception {
    try (PackagedServer packaged =
        PackagedServer.start(
            "sigterm", "--threads", "1", "--kv-cache-tokens", "65536", "--drain-timeout", "120s")) {
      Process server = packaged.process;
      URI base = packaged.base;
      HttpClient http = packaged.http;
      Path log = packaged.log;
      CountDownLatch started = new CountDownLatch(STREAMS);
      List<CompletableFuture<Streamed>> streams = new ArrayList<>();
      for (int i = 0; i < STREAMS; i++) {
        ObjectNode body = completion("a long story number " + i, MAX_TOKENS).put("stream", true);
        streams.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    HttpResponse<Stream<String>> r =
                        http.send(post(base, body), HttpResponse.BodyHandlers.ofLines());
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

      server.destroy(); // SIGTERM

      // Until the JVM acts on the signal a request is still served normally; the first one that
      // is not must be a 503, and it must come while the streams are still running.
      HttpResponse<String> refused = null;
      int servedBeforeSignal = 0;
      while (refused == null) {
        boolean streamsRunning = streams.stream().anyMatch(s -> !s.isDone());
        assertThat(streamsRunning)
            .as("the streams outlast the first refused request (make them longer)")
            .isTrue();
        HttpResponse<String> r;
        try {
          r = http.send(post(base, completion("new", 1)), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
          fail("the server stopped accepting connections while streams were running", e);
          return;
        }
        if (r.statusCode() == 200) {
          servedBeforeSignal++;
          assertThat(servedBeforeSignal).as("the signal takes effect").isLessThan(1000);
        } else {
          refused = r;
        }
      }
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(JSON.readTree(refused.body()).path("error").path("code").asText())
          .isEqualTo("shutting_down");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      HttpResponse<String> ready =
          http.send(
              HttpRequest.newBuilder(base.resolve("/health/ready")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as("readiness while draining: " + ready.body()).isEqualTo(503);

      for (CompletableFuture<Streamed> s : streams) {
        Streamed r = s.get(180, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data().getLast()).as("stream ends with [DONE]").isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String d : r.data().subList(0, r.data().size() - 1)) {
          JsonNode chunk = JSON.readTree(d);
          assertThat(chunk.has("error")).as(d).isFalse();
          JsonNode choice = chunk.path("choices").path(0);
          text.append(choice.path("text").asText());
          if (choice.hasNonNull("finish_reason")) {
            finish = choice.path("finish_reason").asText();
          }
        }
        assertThat(finish).as("finish_reason").isIn("length", "stop");
        assertThat(text).isNotEmpty();
      }
      assertThat(server.waitFor(150, TimeUnit.SECONDS)).as("the process exits").isTrue();
      assertThat(server.exitValue()).as(Files.readString(log)).isZero();
      assertThat(Files.readString(log)).contains("drain complete");
    }
  }

  private static ObjectNode completion(String prompt, int maxTokens) {
    return JSON.createObjectNode()
        .put("model", "tiny")
        .put("prompt", prompt)
        .put("max_tokens", maxTokens)
        .put("temperature", 0);
  }

  private static HttpRequest post(URI base, ObjectNode body) {
    return HttpRequest.newBuilder(base.resolve("/v1/completions"))
        .timeout(Duration.ofSeconds(300))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }
}
