package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.lorafleet.serving.pod.CanaryName;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A version under canary rollout is served as {@code <served>@canary} (issue 19): registered,
 * loaded and unloaded like any name, and answered with the served name in {@code model} (whole
 * answers and every streamed chunk, completions and chat), so a client never sees the suffix.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class CanaryNameTest {
  @TestHTTPResource("/")
  URI url;

  @Test
  void canaryNameIsLoadedServedAsTheServedNameAndUnloaded() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    String stable = f.publishAdapter("greet", 8, 701);
    String canary = f.publishAdapter("greet", 8, 702);
    String canaryName = CanaryName.of("greet");
    assertThat(f.load("greet", stable, false).statusCode()).isEqualTo(200);
    HttpResponse<String> loaded = f.load(canaryName, canary, false);
    assertThat(loaded.statusCode()).as(loaded.body()).isEqualTo(200);

    // the canary is really the other version: its greedy text differs from stable's
    String stableText = text(f.post("/v1/completions", completion("greet"), null));
    HttpResponse<String> whole = f.post("/v1/completions", completion(canaryName), null);
    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
    assertThat(text(whole)).isNotEqualTo(stableText);
    assertThat(Fixture.JSON.readTree(whole.body()).path("model").asText()).isEqualTo("greet");

    HttpResponse<String> chat = f.post("/v1/chat/completions", chat(canaryName, false), null);
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    assertThat(Fixture.JSON.readTree(chat.body()).path("model").asText()).isEqualTo("greet");

    ObjectNode streamed = completion(canaryName).put("stream", true);
    streamed.putObject("stream_options").put("include_usage", true);
    for (List<JsonNode> chunks :
        List.of(
            chunks(f.post("/v1/completions", streamed, null)),
            chunks(f.post("/v1/chat/completions", chat(canaryName, true), null)))) {
      assertThat(chunks).hasSizeGreaterThan(2);
      for (JsonNode c : chunks) {
        assertThat(c.path("model").asText()).as(c.toString()).isEqualTo("greet");
      }
    }
    assertThat(f.unload(canaryName).statusCode()).isEqualTo(200);
    assertThat(f.post("/v1/completions", completion(canaryName), null).statusCode()).isEqualTo(404);
  }

  @Test
  void canaryNameCanBeRegisteredAndIsLoadedOnItsFirstRequest() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    String canary = f.publishAdapter("lazy-greet", 4, 703);
    String canaryName = CanaryName.of("lazy-greet");
    int at = canary.indexOf("sha256-");
    ObjectNode body =
        Fixture.JSON
            .createObjectNode()
            .put("lora_name", canaryName)
            .put("lora_path", canary)
            .put("digest", canary.substring(at + 7, at + 7 + 64));
    HttpResponse<String> registered =
        f.post("/v1/register_lora_adapter", body, ServerTestResource.TOKEN);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
    HttpResponse<String> r = f.post("/v1/completions", completion(canaryName), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Fixture.JSON.readTree(r.body()).path("model").asText()).isEqualTo("lazy-greet");
    HttpResponse<String> gone =
        f.post(
            "/v1/unregister_lora_adapter",
            Fixture.JSON.createObjectNode().put("lora_name", canaryName),
            ServerTestResource.TOKEN);
    assertThat(gone.statusCode()).as(gone.body()).isEqualTo(200);
  }

  private static ObjectNode completion(String model) {
    return Fixture.completion(model, "one two three", 6);
  }

  private static ObjectNode chat(String model, boolean stream) {
    ObjectNode body = Fixture.JSON.createObjectNode().put("model", model).put("max_tokens", 6);
    body.put("temperature", 0).put("stream", stream);
    body.putArray("messages").addObject().put("role", "user").put("content", "hello");
    return body;
  }

  private static String text(HttpResponse<String> r) throws Exception {
    return Fixture.JSON.readTree(r.body()).path("choices").get(0).path("text").asText();
  }

  /** Every JSON event of a 200 stream (not {@code [DONE]}). */
  private static List<JsonNode> chunks(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
        out.add(Fixture.JSON.readTree(line.substring(6)));
      }
    }
    return out;
  }
}
