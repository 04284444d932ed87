package io.lorafleet.bench.routing;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A seeded request sequence with Zipf popularity: item {@code k} (0-based) is drawn with
 * probability proportional to {@code 1 / (k + 1)^s}. The same (n, s, length, seed) always gives the
 * same sequence, so every arm of a benchmark replays exactly the same requests.
 */
final class ZipfSequence {
  private ZipfSequence() {}

  static int[] of(int items, double exponent, int length, long seed) {
    if (items < 1) {
      throw new IllegalArgumentException("items must be at least 1, got " + items);
    }
    if (!(exponent >= 0) || Double.isInfinite(exponent)) {
      throw new IllegalArgumentException("exponent must be finite and >= 0, got " + exponent);
    }
    if (length < 0) {
      throw new IllegalArgumentException("length must be >= 0, got " + length);
    }
    double[] cdf = cdf(items, exponent);
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      out[i] = sample(cdf, random.nextDouble());
    }
    return out;
  }

  /** Cumulative probabilities, the last exactly 1. */
  static double[] cdf(int items, double exponent) {
    double[] cdf = new double[items];
    double sum = 0;
    for (int k = 0; k < items; k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      cdf[k] = sum;
    }
    for (int k = 0; k < items; k++) {
      cdf[k] /= sum;
    }
    cdf[items - 1] = 1.0;
    return cdf;
  }

  /** The first item whose cumulative probability exceeds {@code u} in [0, 1). */
  static int sample(double[] cdf, double u) {
    int i = Arrays.binarySearch(cdf, u);
    int k = i >= 0 ? i + 1 : -i - 1;
    return Math.min(k, cdf.length - 1);
  }
}
