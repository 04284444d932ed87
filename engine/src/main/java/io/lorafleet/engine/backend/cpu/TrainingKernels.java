package io.lorafleet.engine.backend.cpu;

import java.util.Arrays;

/**
 * The CPU kernels of LoRA training that the inference {@link io.lorafleet.engine.backend.Backend}
 * has no counterpart for: full causal attention over whole sequences that keeps its probabilities,
 * and its backward pass. Work is split over (sequence, query head) pairs; each pair is computed in
 * a fixed order by one thread, so results do not depend on the thread count.
 */
public final class TrainingKernels implements AutoCloseable {
  private final Parallel parallel;

  public TrainingKernels(int threads) {
    this.parallel = new Parallel(threads);
  }

  public int threads() {
    return parallel.threads();
  }

  /** Body of a parallel loop over {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  /**
   * Runs {@code body} over {@code [0, n)} in contiguous chunks on the pool, chunks no smaller than
   * {@code workPerItem} multiply-adds make worth a task. The caller must make items independent.
   */
  public void forRange(int n, long workPerItem, RangeBody body) {
    parallel.forRange(n, Parallel.chunkFor(workPerItem), body::run);
  }

  /** {@code y[yo..yo+n) += s · x[xo..xo+n)}, the Vector API form. */
  public static void axpy(float s, float[] x, int xo, float[] y, int yo, int n) {
    VectorKernels.axpy(s, x, xo, y, yo, n);
  }

  /** Dot product in the fixed summation order the inference kernels use. */
  public static float dot(float[] a, int ao, float[] b, int bo, int n) {
    return VectorKernels.dot(a, ao, b, bo, n);
  }

  /**
   * Where each sequence's probabilities start in the {@code probs} array of {@link
   * #attentionForward}: {@code heads · len²} floats per sequence; the last entry is the total.
   */
  public static long[] probOffsets(int[] starts, int heads) {
    long[] off = new long[starts.length];
    for (int s = 0; s + 1 < starts.length; s++) {
      long len = starts[s + 1] - starts[s];
      off[s + 1] = off[s] + heads * len * len;
    }
    return off;
  }

  /**
   * Causal attention of every sequence over its own rows: sequence {@code s} owns rows {@code
   * starts[s] .. starts[s+1]-1} at positions 0, 1, ...; {@code q[T, heads, d]}, {@code k, v[T,
   * kvHeads, d]}. Computes exactly what {@link CpuBackend#attention} computes for the same rows
   * (same dot products, max-shifted exponentials summed in row order, weighted sum of values), and
   * stores the softmax probabilities {@code P[s][h][i][j]} (row-major {@code len × len}, zero above
   * the diagonal) at {@code probOffsets(starts, heads)[s]}.
   */
  public void attentionForward(
      float[] q,
      float[] k,
      float[] v,
      int[] starts,
      int heads,
      int kvHeads,
      int d,
      float scale,
      float[] probs,
      float[] out) {
    int seqs = starts.length - 1;
    long[] po = probOffsets(starts, heads);
    int group = heads / kvHeads;
    int longest = longest(starts);
    parallel.forRange(
        seqs * heads,
        Parallel.chunkFor((long) longest * longest * d),
        (from, to) -> {
          for (int sh = from; sh < to; sh++) {
            HeadTask task = HeadTask.of(sh, starts, heads, group, po);
            int h = task.head;
            int kvh = task.kvHead;
            int start = task.start;
            int len = task.len;
            int base = task.probBase;
            for (int i = 0; i < len; i++) {
              int row = base + i * len;
              int qo = ((start + i) * heads + h) * d;
              float max = Float.NEGATIVE_INFINITY;
              for (int j = 0; j <= i; j++) {
                float sc =
                    VectorKernels.dot(q, qo, k, ((start + j) * kvHeads + kvh) * d, d) * scale;
                probs[row + j] = sc;
                max = Math.max(max, sc);
              }
              float sum = 0f;
              for (int j = 0; j <= i; j++) {
                float e = (float) Math.exp(probs[row + j] - max);
                probs[row + j] = e;
                sum += e;
              }
              float inv = 1f / sum;
              Arrays.fill(out, qo, qo + d, 0f);
              for (int j = 0; j <= i; j++) {
                float p = probs[row + j] * inv;
                probs[row + j] = p;
                VectorKernels.axpy(p, v, ((start + j) * kvHeads + kvh) * d, out, qo, d);
              }
              Arrays.fill(probs, row + i + 1, row + len, 0f);
            }
          }
        });
  }

  /**
   * Backward of {@link #attentionForward}: from {@code dOut[T, heads, d]} and the stored
   * probabilities, writes {@code dq[T, heads, d]}, {@code dk, dv[T, kvHeads, d]} (overwritten).
   * Gradients of the query heads that share a KV head are summed in ascending head order.
   */
  public void attentionBackward(
      float[] q,
      float[] k,
      float[] v,
      int[] starts,
      int heads,
      int kvHeads,
      int d,
      float scale,
      float[] probs,
      float[] dOut,
      float[] dq,
      float[] dk,
      float[] dv) {
    int seqs = starts.length - 1;
    int rows = starts[seqs];
    long[] po = probOffsets(starts, heads);
    int group = heads / kvHeads;
    int longest = longest(starts);
    // Per query head, so heads of one group never write the same memory; summed below.
    float[] dkHead = new float[rows * heads * d];
    float[] dvHead = new float[rows * heads * d];
    parallel.forRange(
        seqs * heads,
        Parallel.chunkFor(3L * longest * longest * d),
        (from, to) -> {
          float[] dp = new float[longest];
          for (int sh = from; sh < to; sh++) {
            HeadTask task = HeadTask.of(sh, starts, heads, group, po);
            int h = task.head;
            int kvh = task.kvHead;
            int start = task.start;
            int len = task.len;
            int base = task.probBase;
            for (int i = 0; i < len; i++) {
              int row = base + i * len;
              int qo = ((start + i) * heads + h) * d;
              float rowSum = 0f;
              for (int j = 0; j <= i; j++) {
                dp[j] = VectorKernels.dot(dOut, qo, v, ((start + j) * kvHeads + kvh) * d, d);
                rowSum += probs[row + j] * dp[j];
              }
              Arrays.fill(dq, qo, qo + d, 0f);
              for (int j = 0; j <= i; j++) {
                float p = probs[row + j];
                float ds = p * (dp[j] - rowSum) * scale;
                int ko = ((start + j) * kvHeads + kvh) * d;
                int ho = ((start + j) * heads + h) * d;
                VectorKernels.axpy(ds, k, ko, dq, qo, d);
                VectorKernels.axpy(ds, q, qo, dkHead, ho, d);
                VectorKernels.axpy(p, dOut, qo, dvHead, ho, d);
              }
            }
          }
        });
    parallel.forRange(
        rows,
        Parallel.chunkFor((long) heads * d),
        (from, to) -> {
          for (int t = from; t < to; t++) {
            for (int g = 0; g < kvHeads; g++) {
              int o = (t * kvHeads + g) * d;
              Arrays.fill(dk, o, o + d, 0f);
              Arrays.fill(dv, o, o + d, 0f);
              for (int h = g * group; h < (g + 1) * group; h++) {
                int ho = (t * heads + h) * d;
                VectorKernels.axpy(1f, dkHead, ho, dk, o, d);
                VectorKernels.axpy(1f, dvHead, ho, dv, o, d);
              }
            }
          }
        });
  }

  /** Sequence {@code sh / heads}, query head {@code sh % heads}: where its rows and P live. */
  private record HeadTask(int head, int kvHead, int start, int len, int probBase) {
    static HeadTask of(int sh, int[] starts, int heads, int group, long[] po) {
      int s = sh / heads;
      int h = sh % heads;
      int len = starts[s + 1] - starts[s];
      return new HeadTask(
          h, h / group, starts[s], len, Math.toIntExact(po[s] + (long) h * len * len));
    }
  }

  private static int longest(int[] starts) {
    int m = 1;
    for (int s = 0; s + 1 < starts.length; s++) {
      m = Math.max(m, starts[s + 1] - starts[s]);
    }
    return m;
  }

  @Override
  public void close() {
    parallel.close();
  }
}
