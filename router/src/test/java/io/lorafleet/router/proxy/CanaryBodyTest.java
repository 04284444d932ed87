package io.lorafleet.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The body sent to a canary is the client's body with only the top-level {@code model} value
 * replaced: numbers, spacing, key order and nested {@code model} fields reach the pod as the client
 * wrote them (a Jackson re-encode would turn {@code 0.70} into {@code 0.7} and {@code 1E2} into
 * {@code 100.0}).
 */
class CanaryBodyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String canary(String body) {
    return new String(
        CanaryChoice.withModel(body.getBytes(StandardCharsets.UTF_8), "a0@canary", JSON).getBytes(),
        StandardCharsets.UTF_8);
  }

  @Test
  void onlyTheModelValueChangesByteForByte() {
    String body =
        "{ \"temperature\": 0.70,\n \"model\" : \"a0\", \"logit_bias\": {\"5\": 1E2},"
            + " \"metadata\": {\"model\": \"a0\"}, \"prompt\": \"caf\\u00e9 \u00e9\"}";
    assertThat(canary(body))
        .isEqualTo(body.replace("\"model\" : \"a0\"", "\"model\" : \"a0@canary\""));
  }

  @Test
  void theLastModelFieldIsTheOneReplacedAsTheParserKeepsTheLast() throws Exception {
    String body = "{\"model\":\"other\",\"n\":1,\"model\":\"a0\"}";
    assertThat(JSON.readTree(body).path("model").asText()).isEqualTo("a0");
    String out = canary(body);
    assertThat(out).isEqualTo("{\"model\":\"other\",\"n\":1,\"model\":\"a0@canary\"}");
    assertThat(JSON.readTree(out).path("model").asText()).isEqualTo("a0@canary");
  }

  @Test
  void anEscapedModelValueIsReplacedWhole() {
    assertThat(canary("{\"model\":\"\\u0061\\u0030\",\"x\":[1,2]}"))
        .isEqualTo("{\"model\":\"a0@canary\",\"x\":[1,2]}");
  }
}
