package io.lorafleet.bench.llamacpp;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The machine's read bandwidth: a vector sum over 512 MiB (far past the caches), best of runs. */
final class ReadBandwidth {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int FLOATS = 128 << 20;

  private ReadBandwidth() {}

  /** Bytes/s reading with {@code threads} threads, each its own contiguous slice. */
  static double measure(int threads, int runs) throws Exception {
    float[] a = new float[FLOATS];
    java.util.Arrays.fill(a, 1f);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      double best = 0;
      for (int r = 0; r < runs; r++) {
        long start = System.nanoTime();
        Future<?>[] parts = new Future<?>[threads];
        int chunk = FLOATS / threads;
        for (int t = 0; t < threads; t++) {
          int from = t * chunk;
          parts[t] = pool.submit(() -> sum(a, from, chunk));
        }
        for (Future<?> f : parts) {
          f.get();
        }
        best = Math.max(best, 4.0 * FLOATS / ((System.nanoTime() - start) / 1e9));
      }
      return best;
    } finally {
      pool.shutdownNow();
    }
  }

  private static float sum(float[] a, int from, int n) {
    FloatVector s0 = FloatVector.zero(F);
    FloatVector s1 = FloatVector.zero(F);
    int step = F.length();
    for (int i = from; i + 2 * step <= from + n; i += 2 * step) {
      s0 = s0.add(FloatVector.fromArray(F, a, i));
      s1 = s1.add(FloatVector.fromArray(F, a, i + step));
    }
    return s0.add(s1).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }
}
