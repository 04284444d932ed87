package io.lorafleet.router.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.router.testing.Client;
import io.lorafleet.router.testing.RawHttp;
import io.lorafleet.serving.testing.SlowBodies;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bodies sent one byte every 2 s must not hold the router: while 64 of them are open, other clients
 * are answered, and each slow body is cut at the whole-body deadline with 408 in the OpenAI error
 * shape (before, they were held for as long as the client kept dripping).
 */
@QuarkusTest
@TestProfile(RouterSlowBodyTest.ShortDeadline.class)
class RouterSlowBodyTest {
  public static class ShortDeadline implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("lorafleet.router.body-read-timeout", "2s");
    }
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TestHTTPResource("/")
  URI url;

  @Test
  void slowBodiesAreCutWith408AndOthersAreAnswered() throws Exception {
    try (SlowBodies slow = new SlowBodies(url, "/v1/completions", 64, 2000, 20)) {
      Thread.sleep(500);
      HttpResponse<String> models =
          HTTP.send(
              HttpRequest.newBuilder(url.resolve("/v1/models"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(models.statusCode()).isEqualTo(200);
      HttpResponse<String> completion =
          HTTP.send(
              HttpRequest.newBuilder(url.resolve("/v1/completions"))
                  .timeout(Duration.ofSeconds(5))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          Client.completion("m", "hi", 2, false).toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      // no pod in this pool: the router answers at once that none is ready
      assertThat(completion.statusCode()).as(completion.body()).isEqualTo(503);
      long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (slow.open() > 0 && System.nanoTime() < end) {
        Thread.sleep(200);
      }
      assertThat(slow.answered408()).as("slow bodies cut with 408").isEqualTo(64);
    }
  }

  @Test
  void theDeadlineAnswerIsAnOpenAiError() throws Exception {
    String response =
        RawHttp.exchange(
            url.getPort(),
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{");
    assertThat(response).startsWith("HTTP/1.1 408");
    JsonNode error = Client.JSON.readTree(RawHttp.body(response)).path("error");
    assertThat(error.path("code").asText()).isEqualTo("request_timeout");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.has("param")).isTrue();
  }
}
