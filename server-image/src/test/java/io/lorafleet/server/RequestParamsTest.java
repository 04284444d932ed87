package io.lorafleet.server;

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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request parameters' semantics: {@code stop}, {@code seed}, {@code top_p}, streamed {@code
 * /v1/completions}, and {@code parent} in {@code /v1/models}.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class RequestParamsTest {
  static final String BASE = "tiny-llama";
  static final List<String> PROMPTS = List.of("the quick brown fox", "alpha beta gamma", "zebra");

  @TestHTTPResource("/")
  URI url;

  Fixture f;

  @BeforeEach
  void ready() throws Exception {
    f = new Fixture(url);
    f.awaitReady();
  }

  @Test
  void stopCutsTheTextBeforeTheStopStringWithFinishReasonStop() throws Exception {
    int checked = 0;
    for (String prompt : PROMPTS) {
      JsonNode free = complete(Fixture.completion(BASE, prompt, 24));
      String text = choice(free).path("text").asText();
      assertThat(choice(free).path("finish_reason").asText()).isEqualTo("length");
      if (text.length() < 8) {
        continue;
      }
      String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
      String expected = text.substring(0, text.indexOf(stop));
      ObjectNode body = Fixture.completion(BASE, prompt, 24);
      body.putArray("stop").add(stop).add("@@never generated@@");
      JsonNode stopped = complete(body);
      assertThat(choice(stopped).path("text").asText()).as("stop %s", stop).isEqualTo(expected);
      assertThat(choice(stopped).path("finish_reason").asText()).isEqualTo("stop");
      assertThat(stopped.path("usage").path("completion_tokens").asInt()).isLessThan(24);
      // A single string works as well.
      body.put("stop", stop);
      assertThat(choice(complete(body)).path("text").asText()).isEqualTo(expected);
      checked++;
    }
    assertThat(checked).as("prompts with text long enough to stop in").isPositive();
  }

  @Test
  void theSameSeedGivesTheSameSampleAndSeedsDiffer() throws Exception {
    String prompt = "once upon a time";
    Set<String> bySeed = new HashSet<>();
    for (int seed = 1; seed <= 6; seed++) {
      String first = completeText(sampled(prompt, seed, 1.0));
      assertThat(completeText(sampled(prompt, seed, 1.0)))
          .as("seed %d twice", seed)
          .isEqualTo(first);
      bySeed.add(first);
    }
    // Sampling at temperature 1 over a random model: six seeds do not all draw the same 16 tokens.
    assertThat(bySeed).hasSizeGreaterThan(1);
  }

  @Test
  void aTinyTopPIsGreedy() throws Exception {
    for (String prompt : PROMPTS) {
      String greedy = text(complete(Fixture.completion(BASE, prompt, 16)));
      for (int seed = 1; seed <= 3; seed++) {
        ObjectNode body = sampled(prompt, seed, 1.0);
        body.put("top_p", 1e-6);
        assertThat(text(complete(body))).as("%s seed %d", prompt, seed).isEqualTo(greedy);
      }
    }
  }

  @Test
  void streamedCompletionsConcatenateToTheWholeTextAndEndWithDone() throws Exception {
    for (String prompt : PROMPTS) {
      JsonNode whole = complete(Fixture.completion(BASE, prompt, 16));
      ObjectNode body = Fixture.completion(BASE, prompt, 16).put("stream", true);
      body.putObject("stream_options").put("include_usage", true);
      Streamed r = stream(body);
      assertThat(r.status()).as(r.lines().toString()).isEqualTo(200);
      assertThat(r.contentType()).startsWith("text/event-stream");
      List<String> data = new ArrayList<>();
      for (String line : r.lines()) {
        if (line.startsWith("data: ")) {
          data.add(line.substring(6));
        } else {
          assertThat(line).as("SSE framing").isEmpty();
        }
      }
      assertThat(data.getLast()).isEqualTo("[DONE]");
      assertThat(data.subList(0, data.size() - 1)).doesNotContain("[DONE]");
      StringBuilder text = new StringBuilder();
      String finish = null;
      JsonNode usage = null;
      for (String d : data.subList(0, data.size() - 1)) {
        JsonNode chunk = Fixture.JSON.readTree(d);
        assertThat(chunk.has("error")).as(d).isFalse();
        assertThat(chunk.path("object").asText()).isEqualTo("text_completion");
        assertThat(chunk.path("model").asText()).isEqualTo(BASE);
        for (JsonNode c : chunk.path("choices")) {
          text.append(c.path("text").asText());
          if (c.hasNonNull("finish_reason")) {
            assertThat(finish).as("one finish_reason").isNull();
            finish = c.path("finish_reason").asText();
          }
        }
        if (chunk.path("usage").isObject()) {
          usage = chunk.path("usage");
        }
      }
      assertThat(text.toString()).isEqualTo(choice(whole).path("text").asText());
      assertThat(finish).isEqualTo(choice(whole).path("finish_reason").asText());
      assertThat(usage).isEqualTo(whole.path("usage"));
    }
  }

  @Test
  void adaptersInModelsHaveTheBaseModelAsParent() throws Exception {
    var r = f.load("params-adapter", f.publishAdapter("params-adapter", 4, 901), true);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode data = Fixture.JSON.readTree(f.get("/v1/models").body()).path("data");
    assertThat(data.get(0).path("id").asText()).isEqualTo(BASE);
    assertThat(data.get(0).path("parent").isMissingNode() || data.get(0).path("parent").isNull())
        .as(data.get(0).toString())
        .isTrue();
    List<String> adapters = new ArrayList<>();
    for (int i = 1; i < data.size(); i++) {
      assertThat(data.get(i).path("parent").asText()).as(data.get(i).toString()).isEqualTo(BASE);
      adapters.add(data.get(i).path("id").asText());
    }
    assertThat(adapters).contains("params-adapter");
    assertThat(adapters)
        .containsExactlyInAnyOrderElementsOf(f.adapters().path("data").findValuesAsText("name"));
  }

  private ObjectNode sampled(String prompt, int seed, double temperature) {
    ObjectNode body = Fixture.completion(BASE, prompt, 16);
    body.put("temperature", temperature).put("seed", seed);
    return body;
  }

  private JsonNode complete(ObjectNode body) throws Exception {
    HttpResponse<String> r = f.post("/v1/completions", body, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Fixture.JSON.readTree(r.body());
  }

  /** A streamed response: status, Content-Type and every line of the body. */
  record Streamed(int status, String contentType, List<String> lines) {}

  private Streamed stream(ObjectNode body) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(url.resolve("/v1/completions"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    HttpResponse<java.util.stream.Stream<String>> r =
        HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofLines());
    return new Streamed(
        r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body().toList());
  }

  private static JsonNode choice(JsonNode response) {
    return response.path("choices").path(0);
  }

  private static String text(JsonNode response) {
    return choice(response).path("text").asText();
  }

  private String completeText(ObjectNode body) throws Exception {
    return text(complete(body));
  }
}
