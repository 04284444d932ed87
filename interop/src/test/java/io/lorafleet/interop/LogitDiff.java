package io.lorafleet.interop;

import java.util.List;
import java.util.Locale;

/**
 * How far two sets of logits are apart: the largest absolute difference, and that relative to the
 * largest |logit| of the reference (the measure the engine's PyTorch parity test uses).
 */
record LogitDiff(double maxAbs, double scale) {
  /**
   * Acceptance bound on {@link #relative()}: fp32 on both sides, different summation orders; the
   * same bound as the engine's own PyTorch parity test.
   */
  static final double BOUND = 1e-4;

  static LogitDiff of(List<float[]> actual, List<float[]> expected) {
    if (actual.size() != expected.size()) {
      throw new IllegalArgumentException(actual.size() + " vs " + expected.size() + " sequences");
    }
    double maxAbs = 0;
    double scale = 0;
    for (int s = 0; s < expected.size(); s++) {
      float[] a = actual.get(s);
      float[] e = expected.get(s);
      if (a.length != e.length) {
        throw new IllegalArgumentException(
            "sequence " + s + ": " + a.length + " vs " + e.length + " logits");
      }
      for (int i = 0; i < e.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(a[i] - e[i]));
        scale = Math.max(scale, Math.abs(e[i]));
      }
    }
    return new LogitDiff(maxAbs, scale);
  }

  double relative() {
    return maxAbs / scale;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "max|diff| %.3g (rel %.3g of max|logit| %.3g)", maxAbs, relative(), scale);
  }
}
