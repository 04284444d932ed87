package io.lorafleet.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile or careless request bodies get a specific refusal in the OpenAI error shape, quickly, and
 * change nothing: oversized prompts are refused before tokenization, token ids do not wrap,
 * fractions are not truncated, a huge deadline does not overflow, an unloaded adapter leaves no
 * metric series behind.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class HostileInputTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @TestHTTPResource("/")
  URI url;

  Fixture f;

  @BeforeEach
  void ready() throws Exception {
    f = new Fixture(url);
    f.awaitReady();
  }

  @Test
  void aHugePromptIsRefusedBeforeTokenization() throws Exception {
    String huge = "lorem ipsum ".repeat(1_000_000); // 12 MB, far past 2,048 positions
    HttpResponse<String> r =
        send("/v1/completions", Fixture.completion("tiny-llama", huge, 4).toString(), 20);
    assertError(r, 400, "context_length_exceeded");
    ObjectNode chat = Fixture.JSON.createObjectNode().put("model", "tiny-llama");
    chat.putArray("messages").addObject().put("role", "user").put("content", huge);
    assertError(send("/v1/chat/completions", chat.toString(), 20), 400, "context_length_exceeded");
    int[] many = new int[5000];
    ObjectNode ids = Fixture.completion("tiny-llama", "", 4);
    var arr = ids.putArray("prompt");
    for (int id : many) {
      arr.add(id);
    }
    assertError(send("/v1/completions", ids.toString(), 20), 400, "context_length_exceeded");
  }

  @Test
  void tokenIdsDoNotWrapAndFractionsAreNotTruncated() throws Exception {
    ObjectNode wrap = Fixture.completion("tiny-llama", "", 4);
    wrap.putArray("prompt").add(4294967297L); // 2^32 + 1 would wrap to 1
    assertError(send("/v1/completions", wrap.toString(), 20), 400, "invalid_parameter");
    String fraction = Fixture.completion("tiny-llama", "hello", 4).toString().replace("4", "2.5");
    assertThat(fraction).contains("2.5");
    assertError(send("/v1/completions", fraction, 20), 400, "invalid_parameter");
  }

  @Test
  void aHugeDeadlineIsNoDeadline() throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(url.resolve("/v1/completions"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("X-Lorafleet-Deadline-Ms", String.valueOf(Long.MAX_VALUE))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    Fixture.completion("tiny-llama", "hello", 4).toString()))
            .build();
    HttpResponse<String> resp = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
  }

  @Test
  void everyRefusalHasTheOpenAiShapeWithACode() throws Exception {
    record Bad(String path, String contentType, String body, String method) {}
    List<Bad> bad =
        List.of(
            new Bad("/v1/completions", "text/plain", "hello", "POST"),
            new Bad("/v1/completions", "application/json", "{\"model\":", "POST"),
            new Bad("/v1/completions", "application/json", "[1,2]", "POST"),
            new Bad("/v1/completions", "application/json", "{\"prompt\":{\"a\":1}}", "POST"),
            new Bad("/v1/completions", "application/json", "", "POST"),
            new Bad("/v1/completions", null, null, "GET"),
            new Bad("/v1/no-such-endpoint", "application/json", "{}", "POST"),
            new Bad("/v1/chat/completions", "application/json", "{\"messages\":[1]}", "POST"));
    for (Bad b : bad) {
      HttpRequest.Builder r =
          HttpRequest.newBuilder(url.resolve(b.path())).timeout(Duration.ofSeconds(20));
      if (b.contentType() != null) {
        r.header("Content-Type", b.contentType());
      }
      r.method(
          b.method(),
          b.body() == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(b.body()));
      HttpResponse<String> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(resp.statusCode()).as("%s", b).isBetween(400, 499);
      assertThat(resp.body()).as("%s", b).isNotBlank();
      JsonNode error = Fixture.JSON.readTree(resp.body()).path("error");
      assertThat(error.path("message").asText()).as("%s: %s", b, resp.body()).isNotBlank();
      assertThat(error.path("type").asText()).as("%s: %s", b, resp.body()).isNotBlank();
      assertThat(error.path("code").isTextual()).as("%s: %s", b, resp.body()).isTrue();
    }
  }

  @Test
  void unloadingAnAdapterRemovesItsMetricSeries() throws Exception {
    String name = "metrics-gone";
    var load = f.load(name, f.adapterDir(name, 4, 7, Fixture.ALL_MODULES).toString(), false);
    assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
    var r = f.post("/v1/completions", Fixture.completion(name, "hello", 4), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(f.get("/metrics").body()).contains("\"" + name + "\"");
    assertThat(f.unload(name).statusCode()).isEqualTo(200);
    assertThat(f.get("/metrics").body()).doesNotContain("\"" + name + "\"");
  }

  private HttpResponse<String> send(String path, String body, int timeoutSeconds) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(url.resolve(path))
            .timeout(Duration.ofSeconds(timeoutSeconds))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertError(HttpResponse<String> r, int status, String code)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode error = Fixture.JSON.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).as(r.body()).isEqualTo(code);
    assertThat(error.path("message").asText()).isNotBlank();
  }
}
