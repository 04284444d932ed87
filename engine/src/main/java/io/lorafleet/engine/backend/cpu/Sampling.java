package io.lorafleet.engine.backend.cpu;

import java.util.Arrays;

/**
 * Greedy and temperature/top-k/top-p sampling over one row of logits (HF warper order); public so
 * device backends that read the logits back sample exactly as the CPU backend does.
 */
public final class Sampling {
  private Sampling() {}

  public static int argmax(float[] logits, int off, int n) {
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

  public static int sample(
      float[] logits, int off, int n, float temperature, int topK, float topP, double u) {
    if (!(temperature > 0f)) {
      throw new IllegalArgumentException("temperature must be > 0 to sample, got " + temperature);
    }
    // Candidates as (logit, index) keys in descending order: the high 32 bits order the logits
    // (flipped so ascending key order means descending logits), the low 32 bits keep the index,
    // so ties keep the lower index first. With top-k only the k best are kept (a heap), so a
    // 150k vocabulary is not fully sorted for every token.
    int keep = topK > 0 ? Math.min(topK, n) : n;
    long[] keyed = keep < n ? best(logits, off, n, keep) : all(logits, off, n);
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

  private static long key(float[] logits, int off, int i) {
    return ((long) ~orderedBits(logits[off + i]) << 32) | i;
  }

  private static long[] all(float[] logits, int off, int n) {
    long[] keyed = new long[n];
    for (int i = 0; i < n; i++) {
      keyed[i] = key(logits, off, i);
    }
    Arrays.sort(keyed);
    return keyed;
  }

  /** The k smallest keys (best logits), sorted: a max-heap of size k over the keys. */
  private static long[] best(float[] logits, int off, int n, int k) {
    long[] heap = new long[k];
    for (int i = 0; i < k; i++) {
      heap[i] = key(logits, off, i);
    }
    for (int i = k / 2 - 1; i >= 0; i--) {
      siftDown(heap, i, k);
    }
    for (int i = k; i < n; i++) {
      long c = key(logits, off, i);
      if (c < heap[0]) {
        heap[0] = c;
        siftDown(heap, 0, k);
      }
    }
    Arrays.sort(heap);
    return heap;
  }

  private static void siftDown(long[] heap, int i, int size) {
    while (true) {
      int largest = i;
      int l = 2 * i + 1;
      int r = l + 1;
      if (l < size && heap[l] > heap[largest]) {
        largest = l;
      }
      if (r < size && heap[r] > heap[largest]) {
        largest = r;
      }
      if (largest == i) {
        return;
      }
      long t = heap[i];
      heap[i] = heap[largest];
      heap[largest] = t;
      i = largest;
    }
  }

  /** Float bits mapped so that signed int order equals float order. */
  private static int orderedBits(float f) {
    int b = Float.floatToIntBits(f);
    return b >= 0 ? b : b ^ 0x7fffffff;
  }
}
