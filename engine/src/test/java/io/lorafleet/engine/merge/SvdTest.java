package io.lorafleet.engine.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SvdTest {
  static double[] gaussian(Random rnd, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextGaussian();
    }
    return x;
  }

  /** U · diag(S) · Vᵀ. */
  static double[] reconstruct(Svd svd) {
    int m = svd.m();
    int k = svd.k();
    double[] us = new double[m * k];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < k; j++) {
        us[i * k + j] = svd.u()[i * k + j] * svd.s()[j];
      }
    }
    return Svd.multiplyTransposed(us, svd.v(), m, k, svd.n());
  }

  static void assertValid(Svd svd, double[] a, int m, int n) {
    int k = svd.k();
    assertThat(k).isEqualTo(Math.min(m, n));
    for (int j = 1; j < k; j++) {
      assertThat(svd.s()[j]).isLessThanOrEqualTo(svd.s()[j - 1]);
    }
    double[] rec = reconstruct(svd);
    assertThat(MergeTestSupport.maxAbsDiff(rec, a)).isLessThan(1e-12);
    double[] utu = Svd.multiply(Svd.transpose(svd.u(), m, k), svd.u(), k, m, k);
    double[] vtv = Svd.multiply(Svd.transpose(svd.v(), n, k), svd.v(), k, n, k);
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        assertThat(utu[i * k + j])
            .isCloseTo(i == j ? 1 : 0, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(vtv[i * k + j])
            .isCloseTo(i == j ? 1 : 0, org.assertj.core.api.Assertions.within(1e-12));
      }
    }
  }

  @Test
  void decomposesTallAndWideMatrices() {
    Random rnd = new Random(1);
    for (int[] shape : new int[][] {{30, 20}, {20, 30}, {17, 17}, {1, 5}, {5, 1}}) {
      double[] a = gaussian(rnd, shape[0] * shape[1]);
      assertValid(Svd.of(a, shape[0], shape[1]), a, shape[0], shape[1]);
    }
  }

  @Test
  void knownSingularValues() {
    // diag(3, 1) rotated: singular values 3 and 1; [[1,1],[1,1]] has 2 and 0.
    double c = Math.cos(0.3);
    double s = Math.sin(0.3);
    double[] a = {3 * c, -s, 3 * s, c};
    Svd svd = Svd.of(a, 2, 2);
    assertThat(svd.s()[0]).isCloseTo(3, org.assertj.core.api.Assertions.within(1e-14));
    assertThat(svd.s()[1]).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-14));
    Svd ones = Svd.of(new double[] {1, 1, 1, 1}, 2, 2);
    assertThat(ones.s()[0]).isCloseTo(2, org.assertj.core.api.Assertions.within(1e-14));
    assertThat(ones.s()[1]).isCloseTo(0, org.assertj.core.api.Assertions.within(1e-14));
  }

  @Test
  void productSvdEqualsTheSvdOfTheProduct() {
    Random rnd = new Random(2);
    int out = 40;
    int in = 25;
    int r = 6;
    double[] b = gaussian(rnd, out * r);
    double[] a = gaussian(rnd, r * in);
    // make one factor column dependent on the others: rank 5
    for (int i = 0; i < out; i++) {
      b[i * r + 5] = 2 * b[i * r + 1] - b[i * r + 3];
    }
    double[] d = Svd.multiply(b, a, out, r, in);
    Svd full = Svd.of(d, out, in);
    Svd low = Svd.ofProduct(b, out, r, a, in);
    for (int j = 0; j < r; j++) {
      assertThat(low.s()[j]).isCloseTo(full.s()[j], org.assertj.core.api.Assertions.within(1e-10));
    }
    assertThat(full.s()[5]).isLessThan(1e-10);
    // the tall, rank-deficient matrix still reconstructs through the QR path
    assertThat(MergeTestSupport.maxAbsDiff(reconstruct(full), d)).isLessThan(1e-11);
    assertThat(MergeTestSupport.maxAbsDiff(reconstruct(low), d)).isLessThan(1e-11);
  }
}
