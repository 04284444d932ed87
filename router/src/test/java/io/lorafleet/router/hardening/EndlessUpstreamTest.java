package io.lorafleet.router.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.router.testing.Client;
import io.lorafleet.router.testing.EndlessPodResource;
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
 * A pod that answers a non-stream completion with a body that does not end must not make the router
 * buffer it without bound: past {@code max-response-size} the upstream is dropped and the client
 * gets 502 in the OpenAI error shape (before, the router buffered all 48 MiB and passed it on; an
 * endless pod would take its heap).
 */
@QuarkusTest
@WithTestResource(EndlessPodResource.class)
class EndlessUpstreamTest {
  @TestHTTPResource("/")
  URI url;

  @Test
  void anOversizeUpstreamAnswerIsCutWith502() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> r = null;
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    do {
      if (r != null) {
        Thread.sleep(100); // the pod's first state poll has not answered yet
      }
      r =
          http.send(
              HttpRequest.newBuilder(url.resolve("/v1/completions"))
                  .timeout(Duration.ofSeconds(20))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          Client.completion("fake-base", "hi", 2, false).toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } while (r.statusCode() == 503 && System.nanoTime() < end);
    assertThat(r.statusCode()).as("%.200s", r.body()).isEqualTo(502);
    JsonNode error = Client.JSON.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("upstream_too_large");
    assertThat(error.path("type").asText()).isEqualTo("server_error");
  }
}
