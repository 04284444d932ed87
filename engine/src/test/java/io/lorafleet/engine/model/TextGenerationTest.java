package io.lorafleet.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.engine.tokenizer.ChatMessage;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generated model directory used end to end: template, tokenizer, generation, decoding. */
class TextGenerationTest {
  @TempDir Path tmp;

  @Test
  void chatsWithTheBaseModelAndAnAdapterInOneBatch() throws Exception {
    Path dir = TestModelGenerator.write(TestModelSpec.qwen2TiedBias(), tmp.resolve("m"));
    try (CpuBackend backend = new CpuBackend();
        HfTokenizer tokenizer = HfTokenizer.load(dir)) {
      LlamaModel model = LlamaModel.load(dir, WeightPrecision.AS_STORED, backend);
      TestAdapterGenerator.write(
          TestAdapterGenerator.Spec.simple(8, 32, List.of("q_proj", "v_proj", "down_proj"), 4),
          model.config(),
          tmp.resolve("a"));
      AdapterTable adapters =
          AdapterTable.empty(model.config().numHiddenLayers())
              .with(
                  LoadedAdapter.of(
                      "support-bot", PeftAdapterReader.read(tmp.resolve("a")), model.config()));
      TextGeneration chat = new TextGeneration(model, tokenizer, ChatTemplate.load(dir));
      int imEnd = tokenizer.encode("<|im_end|>", false)[0];
      SamplingParams greedy = SamplingParams.greedy(12, Set.of(imEnd));
      List<ChatMessage> hello = List.of(new ChatMessage("user", "Hello, world."));
      List<TextGeneration.Request> requests =
          List.of(
              new TextGeneration.Request(hello, null, greedy),
              new TextGeneration.Request(hello, "support-bot", greedy));

      List<TextGeneration.Reply> replies = chat.chat(requests, adapters, model.newCache(32, 8));
      List<TextGeneration.Reply> again = chat.chat(requests, adapters, model.newCache(32, 8));

      for (int i = 0; i < 2; i++) {
        TextGeneration.Reply r = replies.get(i);
        assertThat(r.tokens()).isNotEmpty().isEqualTo(again.get(i).tokens());
        assertThat(r.text()).isEqualTo(tokenizer.decode(r.tokens(), true));
      }
      assertThat(replies.get(1).tokens())
          .as("the adapter changes the reply")
          .isNotEqualTo(replies.get(0).tokens());
      assertThatThrownBy(
              () ->
                  chat.chat(
                      List.of(new TextGeneration.Request(hello, "missing", greedy)),
                      adapters,
                      model.newCache(8, 8)))
          .hasMessageContaining("missing");
    }
  }
}
