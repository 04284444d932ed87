package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With {@code --inference-token-file}, the OpenAI SDK works with the token as its API key and gets
 * its own 401 exception with a wrong key; requests without the header are refused on every
 * inference endpoint in the OpenAI error shape (the pod state too, which also takes the admin
 * token); health, metrics and the admin API are unaffected.
 */
@QuarkusTest
@WithTestResource(
    value = ServerTestResource.class,
    initArgs = {
      @ResourceArg(name = "lorafleet.test.inference-token", value = InferenceAuthTest.KEY)
    })
class InferenceAuthTest {
  static final String KEY = "sk-lorafleet-inference-4f9c2a";

  @TestHTTPResource("/")
  URI url;

  @Test
  void theSdkWorksWithTheTokenAndGets401WithAWrongOne() throws Exception {
    new Fixture(url).awaitReady();
    OpenAIClient good = client(KEY);
    List<Model> models = good.models().list().data();
    models.forEach(Model::validate);
    assertThat(models).extracting(Model::id).contains("tiny-llama");
    Completion c = good.completions().create(completion());
    c.validate();
    assertThat(c.choices().getFirst().text()).isNotEmpty();
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream =
        good.chat()
            .completions()
            .createStreaming(
                ChatCompletionCreateParams.builder()
                    .model("tiny-llama")
                    .addUserMessage("hello")
                    .maxCompletionTokens(6)
                    .temperature(0.0)
                    .build())) {
      stream.stream()
          .forEach(
              chunk -> {
                chunk.validate();
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append));
              });
    }
    assertThat(streamed).isNotEmpty();

    OpenAIClient bad = client(KEY + "x");
    assertThatThrownBy(() -> bad.completions().create(completion()))
        .isInstanceOfSatisfying(
            UnauthorizedException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(401);
              assertThat(e.code()).contains("invalid_api_key");
              assertThat(e.body().toString()).doesNotContain(KEY);
            });
    assertThatThrownBy(() -> bad.models().list()).isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void everyInferenceEndpointNeedsTheTokenAndNothingElseDoes() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    var completion = Fixture.completion("tiny-llama", "hi", 2).toString();
    var chat =
        "{\"model\":\"tiny-llama\",\"max_tokens\":2,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    for (String auth : new String[] {null, "Bearer wrong", "Basic " + KEY, "Bearer "}) {
      assertRefused(send("POST", "/v1/completions", completion, auth));
      assertRefused(send("POST", "/v1/chat/completions", chat, auth));
      assertRefused(send("GET", "/v1/models", null, auth));
      assertRefused(send("GET", "/v1/pod/state", null, auth));
    }
    assertThat(send("POST", "/v1/completions", completion, "Bearer " + KEY).statusCode())
        .isEqualTo(200);
    assertThat(send("POST", "/v1/chat/completions", chat, "Bearer " + KEY).statusCode())
        .isEqualTo(200);
    assertThat(send("GET", "/v1/models", null, "Bearer " + KEY).statusCode()).isEqualTo(200);
    // The pod's state (routers): the inference token, or the admin token the operator holds.
    assertThat(send("GET", "/v1/pod/state", null, "Bearer " + KEY).statusCode()).isEqualTo(200);
    assertThat(
            send("GET", "/v1/pod/state", null, "Bearer " + ServerTestResource.TOKEN).statusCode())
        .isEqualTo(200);
    // Not inference: open (health, metrics) or guarded by the admin token only.
    assertThat(f.get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(f.get("/metrics").statusCode()).isEqualTo(200);
    assertThat(f.adapters().path("data").isArray()).isTrue();
    assertThat(send("GET", "/v1/adapters", null, "Bearer " + KEY).statusCode()).isEqualTo(401);
  }

  private static void assertRefused(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    JsonNode error = Fixture.JSON.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText()).isNotEmpty();
    assertThat(r.body()).doesNotContain(KEY);
  }

  private HttpResponse<String> send(String method, String path, String body, String auth)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(url.resolve(path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(url.resolve("/v1").toString())
        .apiKey(key)
        .maxRetries(0)
        .build();
  }

  private static CompletionCreateParams completion() {
    return CompletionCreateParams.builder()
        .model("tiny-llama")
        .prompt("the quick brown fox")
        .maxTokens(6)
        .temperature(0.0)
        .build();
  }
}
