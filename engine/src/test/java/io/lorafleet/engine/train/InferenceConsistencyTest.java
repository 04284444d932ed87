package io.lorafleet.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.support.EngineRun;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adapter the trainer writes, read back as PEFT files and served by the engine's inference
 * path, gives the logits of the trainer's own forward pass; PiSSA's residual base plus its initial
 * adapter is the original model.
 */
class InferenceConsistencyTest {
  private static final double BOUND = 1e-4;

  @TempDir Path tmp;

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("qwen2-tied-bias", TestModelSpec.qwen2TiedBias(), true),
        Arguments.of("llama-gqa-bf16", TestModelSpec.llamaGqa().withDtype(DType.BF16), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void servedAdapterGivesTheTrainingLogits(String name, TestModelSpec spec, boolean rslora)
      throws Exception {
    LlamaModel model =
        TrainTestSupport.load(TrainTestSupport.writeModel(spec, tmp.resolve("m")), 2);
    try (LoraTrainer t =
        LoraTrainer.create(
            model, TrainTestSupport.options(8, 16, rslora, 0.05, TrainTestSupport.ALL_LINEAR))) {
      train(t, 3);
      assertServedMatches(t, t.baseModel(), spec.vocabSize());
    } finally {
      model.backend().close();
    }
  }

  @Test
  void pissaResidualPlusAdapterIsTheOriginalModel() throws Exception {
    TestModelSpec spec = TestModelSpec.llamaGqa();
    LlamaModel model =
        TrainTestSupport.load(TrainTestSupport.writeModel(spec, tmp.resolve("m")), 2);
    LoraTrainingOptions std =
        TrainTestSupport.options(
            4,
            8,
            false,
            0,
            List.of(LinearModule.Q_PROJ, LinearModule.UP_PROJ, LinearModule.DOWN_PROJ));
    LoraTrainingOptions pissa =
        new LoraTrainingOptions(
            std.rank(),
            std.alpha(),
            std.useRslora(),
            std.dropout(),
            std.targetModules(),
            LoraTrainingOptions.Init.PISSA,
            std.seed(),
            std.weightDecay(),
            std.beta1(),
            std.beta2(),
            std.epsilon(),
            std.maxGradNorm());
    try (LoraTrainer t = LoraTrainer.create(model, pissa)) {
      assertThat(t.baseModel()).isNotSameAs(model);
      int[] tokens = randomTokens(11, spec.vocabSize(), 5);
      float[] original =
          EngineRun.prefill(model, AdapterTable.empty(2), List.of(tokens), new int[] {-1});
      float[] residualOnly =
          EngineRun.prefill(t.baseModel(), AdapterTable.empty(2), List.of(tokens), new int[] {-1});
      assertThat(relMax(t.logits(tokens), original)).isLessThan(BOUND);
      // W_res alone is a different model: the top singular directions were moved into the adapter.
      assertThat(relMax(residualOnly, original)).isGreaterThan(1e-2);
      // A's rows are orthogonal (scaled right singular vectors).
      LoraAdapter a = t.toAdapter(DType.F32);
      float[] qa = a.modules().values().iterator().next().a();
      int in = spec.hiddenSize();
      for (int i = 0; i < 4; i++) {
        for (int j = i + 1; j < 4; j++) {
          double dot = 0;
          for (int c = 0; c < in; c++) {
            dot += qa[i * in + c] * qa[j * in + c];
          }
          assertThat(Math.abs(dot)).isLessThan(1e-5);
        }
      }
      train(t, 2);
      assertServedMatches(t, t.baseModel(), spec.vocabSize());
      // What is published is valid on the original base (rank 2r: trained minus initial factors).
      LoraAdapter published = t.toPublishedAdapter(DType.F32);
      assertThat(published.config().r()).isEqualTo(8);
      assertThat(published.config().useRslora()).isFalse();
      assertServedMatches(t, published, model, spec.vocabSize());
    } finally {
      model.backend().close();
    }
  }

  private static void train(LoraTrainer t, int steps) {
    for (int s = 0; s < steps; s++) {
      List<TrainingSequence> b = TrainTestSupport.randomBatch(s, 384, 12, 9);
      t.step(1e-2, t.accumulate(b, s).targets());
    }
  }

  private void assertServedMatches(LoraTrainer t, LlamaModel base, int vocab) throws Exception {
    assertServedMatches(t, t.toAdapter(DType.F32), base, vocab);
  }

  private void assertServedMatches(LoraTrainer t, LoraAdapter adapter, LlamaModel base, int vocab)
      throws Exception {
    Path dir = Files.createTempDirectory(tmp, "adapter");
    PeftAdapterWriter.write(adapter, dir);
    LoadedAdapter served = LoadedAdapter.of("trained", PeftAdapterReader.read(dir), base.config());
    AdapterTable table = AdapterTable.empty(base.config().numHiddenLayers()).with(served);
    for (long seed = 0; seed < 3; seed++) {
      int[] tokens = randomTokens(seed, vocab, 7 + 5 * (int) seed);
      float[] engine = EngineRun.prefill(base, table, List.of(tokens), new int[] {0});
      double err = relMax(t.logits(tokens), engine);
      System.out.printf(
          "training vs serving logits, %d tokens: rel. error %.2e%n", tokens.length, err);
      assertThat(err).isLessThan(BOUND);
    }
    float[] baseOnly =
        EngineRun.prefill(base, table, List.of(randomTokens(0, vocab, 7)), new int[] {-1});
    assertThat(relMax(t.logits(randomTokens(0, vocab, 7)), baseOnly))
        .as("the adapter changes the logits")
        .isGreaterThan(1e-3);
  }

  private static int[] randomTokens(long seed, int vocab, int n) {
    return new SplittableRandom(seed).ints(n, 0, vocab).toArray();
  }

  /** Max abs difference relative to the largest |reference logit|. */
  private static double relMax(float[] ours, float[] ref) {
    assertThat(ours).hasSameSizeAs(ref);
    double max = 0;
    double diff = 0;
    for (int i = 0; i < ref.length; i++) {
      max = Math.max(max, Math.abs(ref[i]));
      diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    }
    return diff / max;
  }
}
