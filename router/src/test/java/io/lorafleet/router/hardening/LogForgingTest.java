package io.lorafleet.router.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.router.testing.BreakingPodResource;
import io.lorafleet.router.testing.Client;
import io.lorafleet.router.testing.LogCapture;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A client-chosen model name with a newline reaches a log line (the warning about a stream that
 * broke on its pod) escaped, so it cannot start a forged line. The test first makes sure the name
 * did reach the log (the warning is there, with the escaped name), so it fails when escaping is
 * removed instead of passing because nothing was logged (which is what the test it replaces,
 * against a router without pods, did).
 */
@QuarkusTest
@WithTestResource(BreakingPodResource.class)
class LogForgingTest {
  private static final String ESCAPED = "x\\n2026-12-07T00:00:00Z level=ERROR";

  @TestHTTPResource("/")
  URI url;

  @Test
  void aModelNameWithANewlineCannotForgeALogLine() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (LogCapture log = new LogCapture()) {
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      HttpResponse<String> r;
      do {
        r =
            http.send(
                HttpRequest.newBuilder(url.resolve("/v1/completions"))
                    .timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            Client.completion(BreakingPodResource.FORGED, "hi", 2, true)
                                .toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          Thread.sleep(100); // the pod's first state poll has not answered yet
        }
      } while (r.statusCode() != 200 && System.nanoTime() < end);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("upstream_failed");
      long wait = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (log.messages().stream().noneMatch(m -> m.contains("broke"))
          && System.nanoTime() < wait) {
        Thread.sleep(50);
      }
      assertThat(log.messages())
          .as("the broken stream's warning names the model")
          .anyMatch(m -> m.contains("broke") && m.contains("forged"));
      assertThat(log.messages())
          .as("no log line carries the client's newline")
          .noneMatch(m -> m.contains("\n") || m.contains("\r"));
      assertThat(log.messages()).anyMatch(m -> m.contains(ESCAPED));
    }
  }
}
