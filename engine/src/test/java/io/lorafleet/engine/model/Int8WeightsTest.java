package io.lorafleet.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.Q8Blocks;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.support.EngineRun;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * int8 base weights (Q8_0 blocks quantized at load): llama.cpp's rounding, adapters applied in full
 * precision on top, and the accuracy against the fp32 model on held-out tokens.
 */
class Int8WeightsTest {
  // Stated tolerances of int8 against fp32 (random Llama, 4 x 48 teacher-forced positions).
  private static final double MIN_TOP1_AGREEMENT = 0.95;
  private static final double MAX_RELATIVE_LOGIT_ERROR = 0.02;

  @TempDir static Path tmp;
  private static CpuBackend backend;
  private static LlamaModel f32;
  private static LlamaModel int8;
  private static AdapterTable adapters;

  @BeforeAll
  static void load() throws Exception {
    backend = new CpuBackend(2);
    Path dir = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("m"));
    f32 = LlamaModel.load(dir, WeightPrecision.F32, backend);
    int8 = LlamaModel.load(dir, WeightPrecision.INT8, backend);
    Path a = tmp.resolve("a");
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(
            8, 16, List.of("q_proj", "k_proj", "v_proj", "o_proj", "down_proj"), 5),
        f32.config(),
        a);
    adapters =
        AdapterTable.empty(f32.config().numHiddenLayers())
            .with(LoadedAdapter.of("a", PeftAdapterReader.read(a), f32.config()));
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  @Test
  void blocksFollowLlamaCppQ8_0() {
    float[] row = new float[32];
    for (int i = 0; i < 32; i++) {
      row[i] = (i - 16) * 0.1f;
    }
    row[5] = -2.54f; // amax: d = 2.54 / 127
    row[6] = -1.25f;
    Weights w = Q8Blocks.quantize(1, 32, row);
    assertThat(w.dtype()).isEqualTo(DType.I8);
    float d = 2.54f / 127f;
    assertThat(w.q8Scales()[0]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(d)));
    assertThat(w.q8()[5]).isEqualTo((byte) -127);
    double v = -1.25f * (1f / d); // C roundf: halves away from zero
    assertThat(w.q8()[6]).isEqualTo((byte) -Math.floor(-v + 0.5));
    // half a step, plus what the fp16 rounding of the scale moves the largest value by
    float bound = d / 2 + 127 * Math.abs(w.q8Scales()[0] - d) + 1e-6f;
    for (int i = 0; i < 32; i++) {
      assertThat(Math.abs(w.get(0, i) - row[i])).isLessThanOrEqualTo(bound);
    }
    assertThat(Q8Blocks.roundHalfAway(-2.5f)).isEqualTo(-3);
    assertThat(Q8Blocks.roundHalfAway(2.5f)).isEqualTo(3);
    assertThat(Q8Blocks.roundHalfAway(0.49999997f)).isZero();
    assertThat(Q8Blocks.quantize(1, 32, new float[32]).q8Scales()[0]).isZero();
  }

  @Test
  void rowWidthsThatAreNotBlocksAreRefused() {
    assertThatThrownBy(() -> Q8Blocks.quantize(2, 48, new float[96]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("multiple of 32, got 48");
  }

  /**
   * The int8 kernels compute exactly what fp32 kernels compute on the dequantized weights, with and
   * without an adapter, in prefill and in decode: the adapter's fp32 factors are applied in full
   * precision on top of the int8 base.
   */
  @Test
  void int8EqualsItsDequantizedWeightsInF32WithAdapters() {
    LlamaModel dequantized = int8.withWeights(dequantize(int8.weights()));
    List<int[]> seqs = sequences(3, 12, 41);
    int[] slots = {0, -1, 0};
    assertThat(EngineRun.prefill(int8, adapters, seqs, slots))
        .containsExactly(EngineRun.prefill(dequantized, adapters, seqs, slots));
    assertThat(EngineRun.prefillThenDecode(int8, adapters, seqs.getFirst(), 5, 0))
        .containsExactly(EngineRun.prefillThenDecode(dequantized, adapters, seqs.getFirst(), 5, 0));
  }

  @Test
  void int8StaysWithinTheStatedToleranceOfF32() {
    List<int[]> seqs = sequences(4, 48, 1234);
    int[] none = {-1, -1, -1, -1};
    int[] adapted = {0, 0, 0, 0};
    for (int[] slots : List.of(none, adapted)) {
      float[] expected = EngineRun.prefill(f32, adapters, seqs, slots);
      float[] actual = EngineRun.prefill(int8, adapters, seqs, slots);
      int vocab = f32.config().vocabSize();
      int rows = expected.length / vocab;
      int same = 0;
      for (int r = 0; r < rows; r++) {
        same +=
            backend.argmax(expected, r * vocab, vocab) == backend.argmax(actual, r * vocab, vocab)
                ? 1
                : 0;
      }
      double agreement = (double) same / rows;
      double err = EngineRun.relativeMaxError(actual, expected);
      System.out.printf(
          Locale.ROOT,
          "int8 vs fp32 (%s): top-1 agreement %d/%d, max |logit error| %.4f = %.4f of the largest logit%n",
          slots == none ? "base" : "with adapter",
          same,
          rows,
          EngineRun.maxAbsError(actual, expected),
          err);
      assertThat(agreement).isGreaterThanOrEqualTo(MIN_TOP1_AGREEMENT);
      assertThat(err).isLessThanOrEqualTo(MAX_RELATIVE_LOGIT_ERROR);
    }
  }

  private static ModelWeights dequantize(ModelWeights w) {
    List<LayerWeights> layers = new ArrayList<>();
    for (LayerWeights l : w.layers()) {
      LayerWeights d = l;
      for (LinearModule m : LinearModule.values()) {
        if (m.inDecoderLayer()) {
          d = d.with(m, l.linear(m).toF32Copy());
        }
      }
      layers.add(d);
    }
    Weights embed = w.embedTokens().toF32Copy();
    Weights head = w.lmHead() == w.embedTokens() ? embed : w.lmHead().toF32Copy();
    assertThat(head.dtype()).isEqualTo(DType.F32);
    return new ModelWeights(embed, layers, w.finalNorm(), head);
  }

  private static List<int[]> sequences(int n, int length, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(r.ints(length, 0, f32.config().vocabSize()).toArray());
    }
    return out;
  }
}
