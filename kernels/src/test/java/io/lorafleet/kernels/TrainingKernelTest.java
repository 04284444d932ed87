package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DARE, cross-entropy and AdamW. The engine's CPU backend has none of them yet, so the references
 * are here: {@link Dare} and {@link Philox} (main code, shared with a future CPU trainer), and
 * straightforward loops in double precision for cross-entropy and AdamW.
 */
class TrainingKernelTest {
  private static Device device;
  private static Kernels kernels;

  @BeforeAll
  static void open() {
    device = HostDevice.openFromProperty();
    kernels = new Kernels(device);
  }

  @AfterAll
  static void close() {
    device.close();
  }

  /**
   * Runs this class's cases on {@code d} instead of the host build ({@link GpuParityTest}); returns
   * the device it replaces, which the caller puts back before {@link #close()}.
   */
  static Device useDevice(Device d) {
    Device previous = device;
    device = d;
    kernels = new Kernels(d);
    return previous;
  }

  // Random123 tests/kat_vectors, "philox4x32 10": counter[4], key[2] -> result[4].
  static final int[][] KAT = {
    {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {-1, -1, -1, -1, -1, -1, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {
      0x243f6a88,
      0x85a308d3,
      0x13198a2e,
      0x03707344,
      0xa4093822,
      0x299f31d0,
      0xd16cfe09,
      0x94fdcceb,
      0x5001e420,
      0x24126ea1
    },
  };

  @Test
  void philoxMatchesTheKnownAnswerVectorsInJavaAndOnTheDevice() {
    for (int[] kat : KAT) {
      int[] ctr = {kat[0], kat[1], kat[2], kat[3]};
      Philox.philox4x32x10(ctr, kat[4], kat[5]);
      assertThat(ctr).containsExactly(kat[6], kat[7], kat[8], kat[9]);

      long pc = Parity.upload(device, new int[] {kat[0], kat[1], kat[2], kat[3]});
      long pk = Parity.upload(device, new int[] {kat[4], kat[5]});
      long po = device.alloc(16);
      device.launch(
          "philox_test", Dim3.of(1), Dim3.of(1), new KernelArgs().ptr(pc).ptr(pk).ptr(po));
      int[] out = new int[4];
      device.download(po, out);
      assertThat(out).containsExactly(kat[6], kat[7], kat[8], kat[9]);
      Parity.free(device, pc, pk, po);
    }
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void dareDropsTheSameElementsAsTheJavaReference(Precision p) {
    Random rnd = new Random(3);
    int n = 10_007;
    long seed = 0x1234_5678_9abc_def0L;
    for (float density : new float[] {0.1f, 0.5f, 0.9f, 1f, 0f}) {
      float[] delta = Parity.random(p, rnd, n, 1f);
      float[] ref = delta.clone();
      Dare.dropAndRescale(ref, density, seed, 42);
      ref = Parity.round(p, ref);
      long pd = Parity.upload(device, p, delta);
      kernels.dare(p, pd, n, density, seed, 42);
      float[] got = Parity.download(device, p, pd, n);
      device.free(pd);
      assertThat(got).as("dare density %s", density).containsExactly(ref);
      System.out.printf("[parity] dare density %.1f %-4s identical (n=%d)%n", density, p, n);
      int kept = 0;
      for (float f : got) {
        kept += f != 0f ? 1 : 0;
      }
      assertThat((double) kept / n).isCloseTo(density, org.assertj.core.data.Offset.offset(0.02));
    }
  }

  @Test
  void dareMasksDependOnSeedAndTensor() {
    float[] ones = new float[1000];
    java.util.Arrays.fill(ones, 1f);
    float[] a = ones.clone();
    float[] b = ones.clone();
    float[] c = ones.clone();
    Dare.dropAndRescale(a, 0.5f, 1, 0);
    Dare.dropAndRescale(b, 0.5f, 2, 0);
    Dare.dropAndRescale(c, 0.5f, 1, 1);
    assertThat(a).isNotEqualTo(b).isNotEqualTo(c);
    for (float f : a) {
      assertThat(f).isIn(0f, 2f);
    }
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void crossEntropyForwardAndBackward(Precision p) {
    Random rnd = new Random(4);
    int rows = 5;
    int vocab = 1031;
    float[] logits = Parity.random(p, rnd, rows * vocab, 8f);
    int[] targets = {0, vocab - 1, -100, 517, 3};
    float gradScale = 1f / 4; // mean over the 4 counted rows
    float[] lossRef = new float[rows];
    float[] gradRef = new float[rows * vocab];
    for (int t = 0; t < rows; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < vocab; i++) {
        max = Math.max(max, logits[t * vocab + i]);
      }
      double sum = 0;
      for (int i = 0; i < vocab; i++) {
        sum += Math.exp(logits[t * vocab + i] - max);
      }
      double lse = max + Math.log(sum);
      if (targets[t] < 0) {
        continue;
      }
      lossRef[t] = (float) (lse - logits[t * vocab + targets[t]]);
      for (int i = 0; i < vocab; i++) {
        double prob = Math.exp(logits[t * vocab + i] - lse);
        gradRef[t * vocab + i] = (float) ((prob - (i == targets[t] ? 1 : 0)) * gradScale);
      }
    }
    long pl = Parity.upload(device, p, logits);
    long pt = Parity.upload(device, targets);
    long ploss = device.alloc(4L * rows);
    long pg = device.alloc((long) rows * vocab * p.bytes());
    kernels.crossEntropy(p, pl, pt, ploss, pg, rows, vocab, gradScale);
    float[] loss = Parity.download(device, Precision.F32, ploss, rows);
    float[] grad = Parity.download(device, p, pg, rows * vocab);
    // In place (dlogits aliasing logits), as a trainer saves memory.
    kernels.crossEntropy(p, pl, pt, ploss, pl, rows, vocab, gradScale);
    float[] inPlace = Parity.download(device, p, pl, rows * vocab);
    Parity.free(device, pl, pt, ploss, pg);
    // The loss is fp32 in both; bf16 storage only rounds the inputs, which both sides share.
    Parity.check("cross_entropy loss (" + p + " in)", Precision.F32, loss, lossRef);
    Parity.check("cross_entropy dlogits", p, grad, gradRef);
    Parity.check("cross_entropy dlogits in place", p, inPlace, gradRef);
  }

  @Test
  void adamwMatchesPyTorchsFormula() {
    Random rnd = new Random(5);
    int n = 3001;
    float lr = 1e-3f;
    float b1 = 0.9f;
    float b2 = 0.999f;
    float eps = 1e-8f;
    float wd = 0.01f;
    double[] p = new double[n];
    double[] m = new double[n];
    double[] v = new double[n];
    float[] p0 = Parity.random(rnd, n, 1f);
    for (int i = 0; i < n; i++) {
      p[i] = p0[i];
    }
    long pp = Parity.uploadF32(device, p0);
    long pg = device.alloc(4L * n);
    long pm = device.alloc(4L * n);
    long pv = device.alloc(4L * n);
    for (int step = 1; step <= 5; step++) {
      float[] g = Parity.random(rnd, n, 0.1f);
      device.upload(pg, g);
      kernels.adamw(pp, pg, pm, pv, n, lr, b1, b2, eps, wd, step);
      double bc1 = 1 - Math.pow(b1, step);
      double bc2 = 1 - Math.pow(b2, step);
      for (int i = 0; i < n; i++) {
        p[i] *= 1 - (double) lr * wd;
        m[i] = b1 * m[i] + (1 - (double) b1) * g[i];
        v[i] = b2 * v[i] + (1 - (double) b2) * g[i] * g[i];
        p[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
      }
    }
    float[] want = new float[n];
    for (int i = 0; i < n; i++) {
      want[i] = (float) p[i];
    }
    float[] got = Parity.download(device, Precision.F32, pp, n);
    Parity.free(device, pp, pg, pm, pv);
    Parity.check("adamw 5 steps", Precision.F32, got, want);
  }
}
