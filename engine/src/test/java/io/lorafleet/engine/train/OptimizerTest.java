package io.lorafleet.engine.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * AdamW and clipping against the formulas of {@code torch.optim.AdamW} and {@code
 * torch.nn.utils.clip_grad_norm_}, evaluated in fp64 from the trainer's own gradients; and the
 * learning-rate schedules of transformers.
 */
class OptimizerTest {
  @TempDir static Path tmp;

  /** A reference AdamW state for one tensor, in fp64. */
  static final class RefAdam {
    final double[] p;
    final double[] m;
    final double[] v;

    RefAdam(float[] p0) {
      p = new double[p0.length];
      for (int i = 0; i < p0.length; i++) {
        p[i] = p0[i];
      }
      m = new double[p0.length];
      v = new double[p0.length];
    }

    /** torch.optim.AdamW._single_tensor_adamw, amsgrad=False, maximize=False. */
    void step(double[] g, double lr, double wd, double b1, double b2, double eps, int t) {
      for (int i = 0; i < p.length; i++) {
        p[i] *= 1 - lr * wd;
        m[i] += (g[i] - m[i]) * (1 - b1); // exp_avg.lerp_(grad, 1 - beta1)
        v[i] = v[i] * b2 + (1 - b2) * g[i] * g[i];
        double bc1 = 1 - Math.pow(b1, t);
        double bc2 = 1 - Math.pow(b2, t);
        double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
        p[i] -= lr / bc1 * m[i] / denom;
      }
    }
  }

  /**
   * Two steps; maxGradNorm 0.05 clips (the gradients of a random adapter are far larger), 1e9 does
   * not.
   */
  @ParameterizedTest
  @ValueSource(doubles = {0.05, 1e9})
  void twoStepsFollowTorchAdamWWithClipping(double maxNorm) {
    Path dir = TrainTestSupport.writeModel(TestModelSpec.llamaGqa(), tmp.resolve("m" + maxNorm));
    LlamaModel model = TrainTestSupport.load(dir, 2);
    LoraTrainingOptions o =
        new LoraTrainingOptions(
            4,
            8,
            false,
            0,
            List.of(LinearModule.V_PROJ, LinearModule.DOWN_PROJ),
            LoraTrainingOptions.Init.STANDARD,
            3,
            0.1,
            0.8,
            0.95,
            1e-6,
            maxNorm);
    try (LoraTrainer t = LoraTrainer.create(model, o)) {
      t.restore(TrainTestSupport.randomFactors(t.snapshot(), 9, 0.2));
      Map<String, float[]> start = t.snapshot().tensors();
      Map<String, RefAdam> ref = new java.util.TreeMap<>();
      for (String name : t.gradients().keySet()) {
        ref.put(name, new RefAdam(start.get(name)));
      }
      double[] lrs = {1e-2, 5e-3};
      boolean clipped = false;
      for (int step = 1; step <= 2; step++) {
        List<TrainingSequence> batch = TrainTestSupport.randomBatch(100 + step, 384, 10, 7, 12);
        LossSum loss = t.accumulate(batch, step);
        Map<String, float[]> grads = t.gradients();
        // clip_grad_norm_ on the mean-loss gradients.
        double sumSq = 0;
        for (float[] g : grads.values()) {
          for (float x : g) {
            double d = x / (double) loss.targets();
            sumSq += d * d;
          }
        }
        double norm = Math.sqrt(sumSq);
        double coef = Math.min(1, maxNorm / (norm + 1e-6));
        clipped |= coef < 1;
        double returned = t.step(lrs[step - 1], loss.targets());
        assertThat(returned).isCloseTo(norm, within(1e-6 * norm));
        Map<String, float[]> after = t.snapshot().tensors();
        for (Map.Entry<String, RefAdam> e : ref.entrySet()) {
          float[] g = grads.get(e.getKey());
          double[] gd = new double[g.length];
          for (int i = 0; i < g.length; i++) {
            gd[i] = g[i] / (double) loss.targets() * coef;
          }
          e.getValue().step(gd, lrs[step - 1], 0.1, 0.8, 0.95, 1e-6, step);
          assertClose(after.get(e.getKey()), e.getValue().p, e.getKey());
          assertClose(after.get(e.getKey() + ".exp_avg"), e.getValue().m, e.getKey() + " m");
          assertClose(after.get(e.getKey() + ".exp_avg_sq"), e.getValue().v, e.getKey() + " v");
        }
        assertThat(t.steps()).isEqualTo(step);
        assertThat(t.gradients().values()).allSatisfy(g -> assertThat(g).containsOnly(0f));
      }
      assertThat(clipped).isEqualTo(maxNorm < 1);
    } finally {
      model.backend().close();
    }
  }

  /** Max abs difference relative to the largest magnitude, fp32 storage allows ~1e-6. */
  private static void assertClose(float[] ours, double[] ref, String what) {
    double max = 0;
    double diff = 0;
    for (int i = 0; i < ref.length; i++) {
      max = Math.max(max, Math.abs(ref[i]));
      diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    }
    assertThat(diff).as(what).isLessThanOrEqualTo(2e-6 * max);
  }

  @Test
  void schedulesAreTransformersWarmupCosineAndConstant() {
    LearningRates.Schedule cos = LearningRates.Schedule.COSINE;
    LearningRates.Schedule con = LearningRates.Schedule.CONSTANT;
    assertThat(LearningRates.learningRate(cos, 1e-3, 10, 110, 0)).isEqualTo(0);
    assertThat(LearningRates.learningRate(cos, 1e-3, 10, 110, 5)).isCloseTo(5e-4, within(1e-15));
    assertThat(LearningRates.learningRate(cos, 1e-3, 10, 110, 10)).isCloseTo(1e-3, within(1e-15));
    assertThat(LearningRates.learningRate(cos, 1e-3, 10, 110, 60)).isCloseTo(5e-4, within(1e-15));
    assertThat(LearningRates.learningRate(cos, 1e-3, 10, 110, 35))
        .isCloseTo(1e-3 * 0.5 * (1 + Math.cos(Math.PI / 4)), within(1e-15));
    assertThat(LearningRates.learningRate(cos, 1e-3, 10, 110, 110)).isCloseTo(0, within(1e-18));
    assertThat(LearningRates.learningRate(cos, 1e-3, 0, 100, 0)).isEqualTo(1e-3);
    assertThat(LearningRates.learningRate(con, 1e-3, 4, 100, 1)).isCloseTo(2.5e-4, within(1e-15));
    assertThat(LearningRates.learningRate(con, 1e-3, 4, 100, 99)).isEqualTo(1e-3);
  }
}
