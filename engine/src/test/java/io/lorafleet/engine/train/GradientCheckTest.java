package io.lorafleet.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.parity.TorchGradientProcess;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 5's gradient acceptance: every LoRA gradient of the summed masked cross-entropy against
 * PyTorch autograd (through DJL) on the same files, with random non-zero A and B, dropout 0. Each
 * case's autograd pass runs in a JVM of its own ({@link TorchGradientProcess} says why).
 */
class GradientCheckTest {
  private static final double BOUND = 1e-4;

  @TempDir Path tmp;

  static Stream<Arguments> cases() {
    return Stream.of(
        // GQA, untied head, all seven modules, alpha/r.
        Arguments.of("llama-gqa", TestModelSpec.llamaGqa(), TrainTestSupport.ALL_LINEAR, false),
        // QKV bias, tied embeddings, multi-query, rsLoRA, gate_proj not adapted.
        Arguments.of(
            "qwen2-tied-bias",
            TestModelSpec.qwen2TiedBias(),
            List.of(
                LinearModule.Q_PROJ,
                LinearModule.K_PROJ,
                LinearModule.V_PROJ,
                LinearModule.O_PROJ,
                LinearModule.UP_PROJ,
                LinearModule.DOWN_PROJ),
            true),
        // bf16 base weights (widened in the kernels; the reference widens them on load).
        Arguments.of(
            "llama-gqa-bf16",
            TestModelSpec.llamaGqa().withDtype(io.lorafleet.artifacts.safetensors.DType.BF16),
            List.of(LinearModule.V_PROJ, LinearModule.O_PROJ, LinearModule.GATE_PROJ),
            true),
        // llama3 rope scaling.
        Arguments.of(
            "llama3-rope",
            TestModelSpec.llama3Rope(),
            List.of(LinearModule.Q_PROJ, LinearModule.K_PROJ, LinearModule.DOWN_PROJ),
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void gradientsMatchPyTorchAutograd(
      String name, TestModelSpec spec, List<LinearModule> targets, boolean rslora)
      throws Exception {
    Path modelDir = TrainTestSupport.writeModel(spec, tmp.resolve("model"));
    LlamaModel model = TrainTestSupport.load(modelDir, 2);
    LoraTrainingOptions opts = TrainTestSupport.options(4, 8, rslora, 0, targets);
    try (LoraTrainer trainer = LoraTrainer.create(model, opts)) {
      trainer.restore(TrainTestSupport.randomFactors(trainer.snapshot(), 77, 0.3));
      List<TrainingSequence> batch = TrainTestSupport.randomBatch(5, spec.vocabSize(), 9, 14, 6);
      LossSum loss = trainer.accumulate(batch, 0);
      Map<String, float[]> ours = trainer.gradients();

      Path adapterDir = tmp.resolve("adapter");
      PeftAdapterWriter.write(trainer.toAdapter(DType.F32), adapterDir);
      Map<String, float[]> ref =
          TorchGradientProcess.loraGradients(
              modelDir,
              adapterDir,
              batch.stream().map(TrainingSequence::tokens).toList(),
              batch.stream().map(TrainingSequence::lossMask).toList(),
              tmp.resolve("torch"));
      assertThat(loss.targets())
          .isEqualTo(batch.stream().mapToInt(TrainingSequence::targetCount).sum());
      assertThat(loss.sum())
          .as(name + ": loss")
          .isCloseTo(ref.get("loss")[0], org.assertj.core.data.Percentage.withPercentage(1e-3));
      assertThat(ours.keySet()).hasSize(2 * targets.size() * spec.layers());
      double worst = 0;
      String worstName = "";
      for (Map.Entry<String, float[]> e : ours.entrySet()) {
        float[] r = ref.get(e.getKey());
        assertThat(r).as(e.getKey()).isNotNull().hasSameSizeAs(e.getValue());
        double err = TrainTestSupport.relError(e.getValue(), r);
        if (err > worst) {
          worst = err;
          worstName = e.getKey();
        }
        assertThat(err).as(name + ": relative error of " + e.getKey()).isLessThan(BOUND);
      }
      System.out.printf(
          "%s: loss %.6f (torch %.6f), worst gradient rel. error %.2e (%s)%n",
          name, loss.sum(), ref.get("loss")[0], worst, worstName);
    } finally {
      model.backend().close();
    }
  }
}
