package io.lorafleet.trainer.data;

import java.util.SplittableRandom;

/**
 * The random streams of data handling, each a pure function of the run's seed and its purpose (and
 * epoch): SplitMix64 ({@link SplittableRandom}) is specified exactly, so the same seed gives the
 * same order on every JVM and after every resume.
 */
final class DataOrder {
  static final long SPLIT_STREAM = 0x5EED_0001L;
  static final long EPOCH_STREAM = 0x5EED_0002L;

  private DataOrder() {}

  static SplittableRandom random(long seed, long stream, long epoch) {
    long s = seed;
    s = mix(s ^ stream);
    s = mix(s ^ epoch);
    return new SplittableRandom(s);
  }

  /** Fisher-Yates shuffle of 0..n-1. */
  static int[] permutation(int n, SplittableRandom r) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
