package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK, unmodified, against the server: completions, chat and streaming
 * chat, for the base model and for an adapter; every response passes the SDK's own validation.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class OpenAiSdkTest {
  static final String BASE = "tiny-llama";

  @TestHTTPResource("/")
  URI url;

  Fixture fixture;
  OpenAIClient client;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new Fixture(url);
    fixture.awaitReady();
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl(url.resolve("/v1").toString())
            .apiKey("not-checked")
            .maxRetries(0)
            .build();
    if (fixture.adapters().path("data").findValuesAsText("name").contains("sdk-adapter")) {
      return;
    }
    assertThat(
            fixture
                .load("sdk-adapter", fixture.publishAdapter("sdk-adapter", 8, 7), false)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void completionsForBaseAndAdapter() {
    String base = complete(BASE);
    String adapted = complete("sdk-adapter");
    assertThat(base).isNotEmpty();
    assertThat(adapted).isNotEmpty().isNotEqualTo(base);
    assertThat(complete(BASE)).isEqualTo(base); // greedy is deterministic
  }

  @Test
  void chatAndStreamingChatAgree() {
    for (String model : List.of(BASE, "sdk-adapter")) {
      ChatCompletion chat = client.chat().completions().create(chat(model, null));
      chat.validate();
      String whole = chat.choices().getFirst().message().content().orElseThrow();
      assertThat(chat.usage().orElseThrow().completionTokens()).isEqualTo(12);
      assertThat(chat.model()).isEqualTo(model);

      StringBuilder streamed = new StringBuilder();
      AtomicReference<String> finish = new AtomicReference<>();
      AtomicReference<Long> usage = new AtomicReference<>();
      try (StreamResponse<ChatCompletionChunk> stream =
          client
              .chat()
              .completions()
              .createStreaming(
                  chat(model, ChatCompletionStreamOptions.builder().includeUsage(true).build()))) {
        stream.stream()
            .forEach(
                chunk -> {
                  chunk.validate();
                  chunk.usage().ifPresent(u -> usage.set(u.completionTokens()));
                  for (ChatCompletionChunk.Choice c : chunk.choices()) {
                    c.delta().content().ifPresent(streamed::append);
                    c.finishReason().ifPresent(r -> finish.set(r.asString()));
                  }
                });
      }
      assertThat(streamed.toString()).isEqualTo(whole);
      assertThat(finish.get()).isEqualTo("length");
      assertThat(usage.get()).isEqualTo(12L);
    }
  }

  @Test
  void modelsListsBaseAndAdaptersAndUnknownModelIs404() {
    List<Model> models = client.models().list().data();
    models.forEach(Model::validate);
    assertThat(models).extracting(Model::id).contains(BASE, "sdk-adapter");
    assertThatThrownBy(
            () ->
                client
                    .completions()
                    .create(
                        CompletionCreateParams.builder()
                            .model("no-such-adapter")
                            .prompt("x")
                            .maxTokens(2)
                            .build()))
        .isInstanceOf(NotFoundException.class);
  }

  private String complete(String model) {
    Completion c =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(model)
                    .prompt("the quick brown fox")
                    .maxTokens(10)
                    .temperature(0.0)
                    .build());
    c.validate();
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(10);
    return c.choices().getFirst().text();
  }

  private static ChatCompletionCreateParams chat(String model, ChatCompletionStreamOptions opts) {
    ChatCompletionCreateParams.Builder b =
        ChatCompletionCreateParams.builder()
            .model(model)
            .addUserMessage("tell me about foxes")
            .maxCompletionTokens(12)
            .temperature(0.0);
    if (opts != null) {
      b.streamOptions(opts);
    }
    return b.build();
  }
}
