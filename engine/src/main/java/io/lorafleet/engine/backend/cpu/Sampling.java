package io.lorafleet.engine.backend.cpu;

import java.util.Arrays;

/** Greedy and temperature/top-k/top-p sampling over one row of logits (HF warper order). */
final class Sampling {
  private Sampling() {}

  static int argmax(float[] logits, int off, int n) {
    int best = 0;
    float max = logits[off];
    for (int i = 1; i < n; i++) {
      if (logits[off + i] > max) {
        max = logits[off + i];
        best = i;
      }
    }
    return best;
  }

  static int sample(
      float[] logits, int off, int n, float temperature, int topK, float topP, double u) {
    if (!(temperature > 0f)) {
      throw new IllegalArgumentException("temperature must be > 0 to sample, got " + temperature);
    }
    // Sort (logit, index) descending with one primitive sort: the high 32 bits order the logits
    // (flipped so ascending order means descending logits), the low 32 bits keep the index, so
    // ties keep the lower index first.
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      keyed[i] = ((long) ~orderedBits(logits[off + i]) << 32) | i;
    }
    Arrays.sort(keyed);
    int keep = topK > 0 ? Math.min(topK, n) : n;
    double max = logits[off + (int) keyed[0]] / (double) temperature;
    double[] p = new double[keep];
    double sum = 0;
    for (int j = 0; j < keep; j++) {
      p[j] = Math.exp(logits[off + (int) keyed[j]] / (double) temperature - max);
      sum += p[j];
    }
    // Top-p: keep token j while the probability mass before it is below topP.
    double cum = 0;
    int nucleus = 0;
    while (nucleus < keep && (nucleus == 0 || cum < topP * sum)) {
      cum += p[nucleus];
      nucleus++;
    }
    double target = u * cum;
    double acc = 0;
    for (int j = 0; j < nucleus; j++) {
      acc += p[j];
      if (target < acc) {
        return (int) keyed[j];
      }
    }
    return (int) keyed[nucleus - 1];
  }

  /** Float bits mapped so that signed int order equals float order. */
  private static int orderedBits(float f) {
    int b = Float.floatToIntBits(f);
    return b >= 0 ? b : b ^ 0x7fffffff;
  }
}
