package io.lorafleet.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standard initialisation, where LoRA dropout acts and at what rate, and gradient accumulation, on
 * the generated llamaGqa model (hidden 64, intermediate 160, 2 layers, vocab 384).
 */
class LoraTrainingBehaviourTest {
  static final int VOCAB = 384;
  @TempDir static Path tmp;
  static LlamaModel model;

  @BeforeAll
  static void load() {
    model =
        TrainTestSupport.load(
            TrainTestSupport.writeModel(TestModelSpec.llamaGqa(), tmp.resolve("model")), 2);
  }

  static LoraTrainer trainer(double dropout) {
    return LoraTrainer.create(
        model, TrainTestSupport.options(4, 8, false, dropout, TrainTestSupport.ALL_LINEAR), 2);
  }

  @Test
  void standardInitDrawsAWithinTheKaimingUniformBoundAndZeroB() {
    try (LoraTrainer t = trainer(0)) {
      TrainingState s = t.snapshot();
      int checkedA = 0;
      for (Map.Entry<String, float[]> e : s.tensors().entrySet()) {
        String name = e.getKey();
        float[] v = e.getValue();
        if (name.endsWith("lora_B.weight")) {
          for (float x : v) {
            assertThat(Float.floatToRawIntBits(x)).as(name).isZero(); // +0.0 exactly
          }
        } else if (name.endsWith("lora_A.weight")) {
          int in = s.shapes().get(name)[1];
          double bound = 1 / Math.sqrt(in); // kaiming_uniform_(a=sqrt(5)) on [r, in]
          double max = 0;
          double sum = 0;
          for (float x : v) {
            assertThat(Math.abs(x)).as(name).isLessThanOrEqualTo((float) bound);
            max = Math.max(max, Math.abs(x));
            sum += x;
          }
          // Uniform on (-bound, bound): the extremes come close to the bound, the mean near 0
          // (|mean| < 4 standard errors, bound / sqrt(3 n) each).
          assertThat(max).as(name).isGreaterThan(0.9 * bound);
          assertThat(Math.abs(sum / v.length))
              .as(name)
              .isLessThan(4 * bound / Math.sqrt(3.0 * v.length));
          checkedA++;
        }
      }
      assertThat(checkedA).isEqualTo(2 * 7);
    }
  }

  @Test
  void dropoutActsOnTheLoraInputOnlyNotOnTheBasePath() {
    List<TrainingSequence> batch = TrainTestSupport.randomBatch(3, VOCAB, 12, 9);
    try (LoraTrainer plain = trainer(0);
        LoraTrainer dropped = trainer(0.5)) {
      // B is zero at initialisation, so the output is the base model's alone: if dropout touched
      // the base path the loss would change. It does not, to the bit.
      LossSum a = plain.accumulate(batch, 0);
      LossSum b = dropped.accumulate(batch, 0);
      assertThat(b.sum()).isEqualTo(a.sum());
      assertThat(b.targets()).isEqualTo(a.targets());
      // The gradient of B, s·dy·(A·dropout(x))ᵀ, sees the dropped input.
      String someB =
          plain.gradients().keySet().stream()
              .filter(k -> k.contains("lora_B"))
              .findFirst()
              .orElseThrow();
      assertThat(dropped.gradients().get(someB)).isNotEqualTo(plain.gradients().get(someB));
    }
  }

  /**
   * The fraction of LoRA input features dropped. One sequence of two tokens whose only target is
   * the second: only row 0 reaches the loss, so the gradient of A, s·(Bᵀdy)ᵀ·(m ⊙ x), is an outer
   * product over row 0 and its column i is exactly zero where the mask dropped feature i (v, o,
   * gate, up and down projections of both layers).
   */
  private static double droppedFraction(double p, int keys) {
    long dropped = 0;
    long features = 0;
    try (LoraTrainer t = trainer(p)) {
      TrainingState random = TrainTestSupport.randomFactors(t.snapshot(), 17, 0.2);
      for (int key = 0; key < keys; key++) {
        t.restore(random); // zero gradients
        TrainingSequence seq =
            new TrainingSequence(new int[] {5 + key, 40 + key}, new boolean[] {false, true});
        t.accumulate(List.of(seq), key);
        Map<String, int[]> shapes = random.shapes();
        for (Map.Entry<String, float[]> e : t.gradients().entrySet()) {
          // q_proj and k_proj are left out: row 0 attends only to itself, a softmax over one
          // score has zero gradient, so their gradients are zero whatever the mask.
          if (!e.getKey().endsWith("lora_A.weight")
              || e.getKey().contains("q_proj")
              || e.getKey().contains("k_proj")) {
            continue;
          }
          int rank = shapes.get(e.getKey())[0];
          int in = shapes.get(e.getKey())[1];
          for (int i = 0; i < in; i++) {
            boolean zero = true;
            for (int j = 0; j < rank; j++) {
              zero &= e.getValue()[j * in + i] == 0f;
            }
            dropped += zero ? 1 : 0;
            features++;
          }
        }
      }
    }
    return (double) dropped / features;
  }

  @Test
  void dropoutDropsAFractionCloseToP() {
    // 2 layers x (4 x 64 + 160) = 832 mask draws per key, 20 keys: standard error of the rate
    // about 0.0036 at p = 0.3 and 0.0023 at p = 0.1; the bounds are more than 5 of those.
    assertThat(droppedFraction(0.3, 20)).isCloseTo(0.3, org.assertj.core.data.Offset.offset(0.02));
    assertThat(droppedFraction(0.1, 20)).isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.015));
    // Without dropout no gradient column is zero: the zeros above are the mask's.
    assertThat(droppedFraction(0, 3)).isZero();
  }

  @Test
  void accumulatedMicroBatchesEqualOneBatchOfTheSameRows() {
    List<TrainingSequence> first = TrainTestSupport.randomBatch(11, VOCAB, 14, 9, 20);
    List<TrainingSequence> second = TrainTestSupport.randomBatch(12, VOCAB, 7, 16);
    List<TrainingSequence> all = new ArrayList<>(first);
    all.addAll(second);
    try (LoraTrainer split = trainer(0);
        LoraTrainer whole = trainer(0)) {
      TrainingState random = TrainTestSupport.randomFactors(split.snapshot(), 5, 0.2);
      split.restore(random);
      whole.restore(random);

      LossSum parts = split.accumulate(first, 0).plus(split.accumulate(second, 1));
      LossSum one = whole.accumulate(all, 0);

      assertThat(parts.targets()).isEqualTo(one.targets());
      assertThat(parts.sum())
          .isCloseTo(one.sum(), org.assertj.core.data.Offset.offset(1e-9 * one.sum()));
      Map<String, float[]> g1 = split.gradients();
      Map<String, float[]> g2 = whole.gradients();
      assertThat(g1.keySet()).isEqualTo(g2.keySet());
      for (String k : g1.keySet()) {
        assertThat(TrainTestSupport.relError(g1.get(k), g2.get(k))).as(k).isLessThan(1e-5);
      }
      // And the optimizer step from them.
      split.step(1e-2, parts.targets());
      whole.step(1e-2, one.targets());
      Map<String, float[]> p1 = split.snapshot().tensors();
      Map<String, float[]> p2 = whole.snapshot().tensors();
      for (String k : p1.keySet()) {
        if (k.endsWith(".weight")) {
          assertThat(TrainTestSupport.relError(p1.get(k), p2.get(k))).as(k).isLessThan(1e-5);
        }
      }
    }
  }
}
