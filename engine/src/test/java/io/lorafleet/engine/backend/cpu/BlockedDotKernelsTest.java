package io.lorafleet.engine.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.safetensors.ElementCodec;
import io.lorafleet.engine.backend.Q8Blocks;
import io.lorafleet.engine.backend.Weights;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The blocked decode kernels (four fp32 weight rows per activation row; a 2x4 block for batches,
 * which bf16 and int8 rows reach widened) give every row bit for bit what the one-row {@code dot}
 * gives, with widths that leave a single last vector and a scalar tail; and a matmul's rows (fp32,
 * bf16, int8) do not depend on how many tokens share it.
 */
class BlockedDotKernelsTest {
  private final SplittableRandom random = new SplittableRandom(17);

  @Test
  void fourRowsEqualOneRowAtATime() {
    for (int n : new int[] {83, 80, 576}) {
      float[] w = values(4 * n);
      float[] x = values(n);
      float[] out = new float[4];
      VectorKernels.dotRows4F32(w, 0, x, 0, n, out);
      for (int r = 0; r < 4; r++) {
        assertThat(out[r]).isEqualTo(VectorKernels.dot(w, r * n, x, 0, n));
      }
    }
  }

  @Test
  void matmulRowsDoNotDependOnTheBatch() {
    int in = 96;
    int out = 37; // odd: the blocked loops leave single rows
    float[] wv = values(out * in);
    short[] bits = new short[wv.length];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = ElementCodec.floatToBf16(wv[i]);
    }
    for (Weights w :
        new Weights[] {
          Weights.f32(out, in, wv), Weights.bf16(out, in, bits), Q8Blocks.quantize(out, in, wv)
        }) {
      float[] x = values(9 * in);
      float[] all = new float[9 * out];
      try (CpuBackend b = new CpuBackend(2)) {
        b.matmul(x, 9, w, null, all);
        for (int t = 0; t < 9; t++) {
          float[] one = new float[out];
          b.matmul(java.util.Arrays.copyOfRange(x, t * in, (t + 1) * in), 1, w, null, one);
          assertThat(java.util.Arrays.copyOfRange(all, t * out, (t + 1) * out))
              .containsExactly(one);
        }
      }
    }
  }

  private float[] values(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }
}
