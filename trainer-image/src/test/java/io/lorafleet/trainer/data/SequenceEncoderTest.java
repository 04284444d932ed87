package io.lorafleet.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.engine.tokenizer.ChatMessage;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import io.lorafleet.engine.train.TrainingSequence;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenization and loss masks with a generated model's tokenizer and ChatML template. */
class SequenceEncoderTest {
  @TempDir static Path dir;
  static HfTokenizer tokenizer;
  static ChatTemplate template;
  static OptionalInt eos;

  @BeforeAll
  static void load() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("m"));
    tokenizer = HfTokenizer.load(model);
    template = ChatTemplate.load(model);
    eos = EosToken.of(model, tokenizer);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  static String decode(TrainingSequence s, boolean targets) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < s.length(); i++) {
      if (s.lossMask()[i] == targets) {
        ids.add(s.tokens()[i]);
      }
    }
    return tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), false);
  }

  @Test
  void promptCompletionTrainsOnTheCompletionAndEos() throws Exception {
    assertThat(eos).hasValue(tokenizer.encode("<|im_end|>", false)[0]);
    TrainingSequence s =
        new SequenceEncoder(tokenizer, null, eos, 64)
            .encode(new DatasetRecord.PromptCompletion("reverse abc =", " cba"));
    assertThat(decode(s, true)).isEqualTo(" cba<|im_end|>");
    assertThat(decode(s, false)).isEqualTo("reverse abc =");
    assertThat(s.lossMask()[0]).isFalse();
  }

  @Test
  void chatTrainsOnAssistantTurnsOnly() throws Exception {
    List<ChatMessage> messages =
        List.of(
            new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "Hello, world."),
            new ChatMessage("assistant", "Hello!"),
            new ChatMessage("user", "Again?"),
            new ChatMessage("assistant", "Yes."));
    TrainingSequence s =
        new SequenceEncoder(tokenizer, template, eos, 256).encode(new DatasetRecord.Chat(messages));
    assertThat(tokenizer.decode(s.tokens(), false)).isEqualTo(template.render(messages, false));
    assertThat(decode(s, true)).isEqualTo("Hello!<|im_end|>\nYes.<|im_end|>\n");
    assertThat(decode(s, false))
        .isEqualTo(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello, world.<|im_end|>\n"
                + "<|im_start|>assistant\n<|im_start|>user\nAgain?<|im_end|>\n<|im_start|>assistant\n");
  }

  @Test
  void overLongRowsAreInvalidNotTruncated() {
    SequenceEncoder e = new SequenceEncoder(tokenizer, null, eos, 16);
    assertThatThrownBy(
            () ->
                e.encode(
                    new DatasetRecord.PromptCompletion(
                        "x", " the quick brown fox jumps over the lazy dog")))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageEndingWith("tokens, longer than maxSequenceLength 16");
  }

  @Test
  void batchOrderIsAPureFunctionOfSeedAndEpochAndCoversEveryRowOnce() {
    int[] lengths = new int[103];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = 5 + (i * 37) % 50;
    }
    BatchPlan plan = new BatchPlan(lengths, 4, 9);
    assertThat(plan.batchesPerEpoch()).isEqualTo(26);
    for (int epoch = 0; epoch < 3; epoch++) {
      List<int[]> batches = plan.epoch(epoch);
      assertThat(batches).hasSize(26);
      assertThat(batches)
          .usingRecursiveComparison()
          .isEqualTo(new BatchPlan(lengths, 4, 9).epoch(epoch));
      Set<Integer> seen = new HashSet<>();
      for (int[] b : batches) {
        for (int i : b) {
          assertThat(seen.add(i)).isTrue();
        }
      }
      assertThat(seen).hasSize(103);
    }
    assertThat(plan.epoch(0)).usingRecursiveComparison().isNotEqualTo(plan.epoch(1));
    assertThat(plan.epoch(0))
        .usingRecursiveComparison()
        .isNotEqualTo(new BatchPlan(lengths, 4, 10).epoch(0));
  }

  @Test
  void validationSplitIsSeededAndKeepsFileOrder() {
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      examples.add(
          new Example(
              new SourceLine("f", i + 1), new TrainingSequence(new int[] {i}, new boolean[1])));
    }
    DataSplit a = DataSplit.of(examples, 0.1, 3);
    assertThat(a.validation()).hasSize(5);
    assertThat(a.train()).hasSize(45);
    assertThat(DataSplit.of(examples, 0.1, 3)).isEqualTo(a);
    assertThat(a.validation())
        .isSortedAccordingTo((x, y) -> Long.compare(x.where().line(), y.where().line()));
    assertThat(DataSplit.of(examples, 0.1, 4).validation()).isNotEqualTo(a.validation());
    assertThat(DataSplit.of(examples.subList(0, 3), 0.1, 3).validation()).hasSize(1);
    assertThat(DataSplit.of(examples, 0.0, 3).validation()).isEmpty();
  }

  @Test
  void onlyTheHeldOutExamplesKeepTheirLines() {
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      examples.add(
          new Example(
              new SourceLine("f", i + 1),
              new TrainingSequence(new int[] {i}, new boolean[1]),
              "{\"row\":" + i + "}"));
    }
    DataSplit split = DataSplit.of(examples, 0.25, 3);
    assertThat(split.validation()).hasSize(5).allSatisfy(e -> assertThat(e.line()).isNotNull());
    for (Example e : split.validation()) {
      assertThat(e).isEqualTo(examples.get((int) e.where().line() - 1));
    }
    assertThat(split.train()).hasSize(15).allSatisfy(e -> assertThat(e.line()).isNull());
    for (Example e : split.train()) {
      Example original = examples.get((int) e.where().line() - 1);
      assertThat(e.sequence()).isSameAs(original.sequence());
    }
  }
}
