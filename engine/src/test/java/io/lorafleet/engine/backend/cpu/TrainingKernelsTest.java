package io.lorafleet.engine.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.safetensors.ElementCodec;
import io.lorafleet.engine.backend.Weights;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TrainingKernels#matmulKn} is, bit for bit, the scalar fma chain over the shared dimension
 * plus the bias, whatever the tile an element falls in (row, column and depth tails, depth blocks
 * of 128), the weight dtype and the thread count.
 */
class TrainingKernelsTest {

  @ParameterizedTest
  @CsvSource({"37,70,45", "64,64,300", "5,16,128", "130,200,64", "4,129,257", "1,3,1"})
  void matmulKnIsTheScalarFmaChain(int m, int n, int k) {
    SplittableRandom r = new SplittableRandom(m * 31L + n * 7L + k);
    float[] x = new float[m * k];
    float[] w = new float[k * n];
    short[] bits = new short[k * n];
    float[] bias = new float[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextDouble(-1, 1);
    }
    for (int i = 0; i < w.length; i++) {
      bits[i] = ElementCodec.floatToBf16((float) r.nextDouble(-1, 1));
      w[i] = ElementCodec.bf16ToFloat(bits[i]);
    }
    for (int i = 0; i < n; i++) {
      bias[i] = (float) r.nextDouble(-1, 1);
    }
    float[] expected = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float acc = 0f;
        for (int d = 0; d < k; d++) {
          acc = Math.fma(x[i * k + d], w[d * n + j], acc);
        }
        expected[i * n + j] = acc + bias[j];
      }
    }
    for (int threads = 1; threads <= 2; threads++) {
      try (TrainingKernels kernels = new TrainingKernels(threads)) {
        float[] f32 = new float[m * n];
        kernels.matmulKn(x, m, Weights.f32(k, n, w), bias, f32);
        float[] bf16 = new float[m * n];
        kernels.matmulKn(x, m, Weights.bf16(k, n, bits), bias, bf16);
        assertThat(f32).as("fp32, %d threads", threads).isEqualTo(expected);
        assertThat(bf16).as("bf16, %d threads", threads).isEqualTo(expected);
      }
    }
  }
}
