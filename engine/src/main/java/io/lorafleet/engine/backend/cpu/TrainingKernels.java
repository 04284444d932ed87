package io.lorafleet.engine.backend.cpu;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.Weights;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU kernels of LoRA training that the inference {@link io.lorafleet.engine.backend.Backend}
 * has no counterpart for: a many-token matmul against {@code [in, out]} weights, full causal
 * attention over whole sequences that keeps its probabilities, and its backward pass. Every output
 * element is produced by one thread in a fixed order (matmul: one fused multiply-add chain over the
 * shared dimension in ascending order; attention: per (sequence, query head)), so results do not
 * depend on the thread count or on how the work is tiled.
 */
public final class TrainingKernels implements AutoCloseable {
  private static final VectorSpecies<Float> F = VectorKernels.F;

  /** Output columns per block: four vectors (64 with AVX-512), the register tile's width. */
  private static final int COLS = 4 * F.length();

  /** Activation rows per work item. */
  private static final int ROWS = 64;

  /** Shared-dimension rows of the weights per pass: a [128, 64] fp32 block is 32 KB (L1). */
  private static final int DEPTH = 128;

  private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[0]);

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

  /**
   * {@code y[m, n] = x[m, k] · w (+ bias[n])} for weights stored {@code w [k, n]} (row-major, fp32
   * or bf16): each output is the fma chain {@code Σ_i x[t, i] · w[i, c]} in ascending {@code i}
   * from 0, then the bias. Register tile: 4 rows × 4 vectors of columns (16 accumulators, 4 loads
   * and 4 broadcasts per 16 FMAs, no lane reductions); blocks of {@link #DEPTH} rows of w keep the
   * weights in cache, partial sums wait in {@code y}. Parallel over (column block, row block)
   * pairs.
   */
  public void matmulKn(float[] x, int m, Weights w, float[] bias, float[] y) {
    int k = w.rows();
    int n = w.cols();
    int colBlocks = (n + COLS - 1) / COLS;
    int rowBlocks = (m + ROWS - 1) / ROWS;
    parallel.forRange(
        colBlocks * rowBlocks,
        Parallel.chunkFor((long) ROWS * COLS * k),
        (from, to) -> {
          for (int item = from; item < to; item++) {
            int c0 = (item / rowBlocks) * COLS;
            int r0 = (item % rowBlocks) * ROWS;
            block(x, m, k, n, w, c0, Math.min(COLS, n - c0), r0, Math.min(m, r0 + ROWS), y);
            if (bias != null) {
              for (int r = r0; r < Math.min(m, r0 + ROWS); r++) {
                for (int c = c0; c < Math.min(n, c0 + COLS); c++) {
                  y[r * n + c] += bias[c];
                }
              }
            }
          }
        });
  }

  /** Columns {@code [c0, c0+cols)} of rows {@code [r0, r1)}. */
  private static void block(
      float[] x, int m, int k, int n, Weights w, int c0, int cols, int r0, int r1, float[] y) {
    for (int k0 = 0; k0 < k; k0 += DEPTH) {
      int depth = Math.min(DEPTH, k - k0);
      float[] wb;
      int wo;
      int ws;
      if (w.dtype() == DType.BF16) {
        wb = scratch(depth * COLS);
        for (int i = 0; i < depth; i++) {
          VectorKernels.bf16ToF32(w.bf16(), (k0 + i) * n + c0, wb, i * COLS, cols);
        }
        wo = 0;
        ws = COLS;
      } else {
        wb = w.f32();
        wo = k0 * n + c0;
        ws = n;
      }
      boolean first = k0 == 0;
      int r = r0;
      if (cols == COLS) {
        for (; r + 4 <= r1; r += 4) {
          tile(x, r * k + k0, k, depth, wb, wo, ws, y, r * n + c0, n, first);
        }
      }
      for (; r < r1; r++) {
        for (int c = 0; c < cols; c++) {
          float acc = first ? 0f : y[r * n + c0 + c];
          for (int i = 0; i < depth; i++) {
            acc = Math.fma(x[r * k + k0 + i], wb[wo + i * ws + c], acc);
          }
          y[r * n + c0 + c] = acc;
        }
      }
    }
  }

  private static float[] scratch(int n) {
    float[] a = BLOCK.get();
    if (a.length < n) {
      a = new float[n];
      BLOCK.set(a);
    }
    return a;
  }

  /**
   * Four rows × four vectors of columns over {@code depth} steps: {@code x} rows at {@code xo +
   * i·xs}, weight rows at {@code wo + d·ws}, output rows at {@code yo + i·ys}; starts from 0 or
   * from {@code y}.
   */
  private static void tile(
      float[] x,
      int xo,
      int xs,
      int depth,
      float[] w,
      int wo,
      int ws,
      float[] y,
      int yo,
      int ys,
      boolean first) {
    int v = F.length();
    FloatVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
    if (first) {
      a00 = FloatVector.zero(F);
      a01 = a00;
      a02 = a00;
      a03 = a00;
      a10 = a00;
      a11 = a00;
      a12 = a00;
      a13 = a00;
      a20 = a00;
      a21 = a00;
      a22 = a00;
      a23 = a00;
      a30 = a00;
      a31 = a00;
      a32 = a00;
      a33 = a00;
    } else {
      a00 = FloatVector.fromArray(F, y, yo);
      a01 = FloatVector.fromArray(F, y, yo + v);
      a02 = FloatVector.fromArray(F, y, yo + 2 * v);
      a03 = FloatVector.fromArray(F, y, yo + 3 * v);
      a10 = FloatVector.fromArray(F, y, yo + ys);
      a11 = FloatVector.fromArray(F, y, yo + ys + v);
      a12 = FloatVector.fromArray(F, y, yo + ys + 2 * v);
      a13 = FloatVector.fromArray(F, y, yo + ys + 3 * v);
      a20 = FloatVector.fromArray(F, y, yo + 2 * ys);
      a21 = FloatVector.fromArray(F, y, yo + 2 * ys + v);
      a22 = FloatVector.fromArray(F, y, yo + 2 * ys + 2 * v);
      a23 = FloatVector.fromArray(F, y, yo + 2 * ys + 3 * v);
      a30 = FloatVector.fromArray(F, y, yo + 3 * ys);
      a31 = FloatVector.fromArray(F, y, yo + 3 * ys + v);
      a32 = FloatVector.fromArray(F, y, yo + 3 * ys + 2 * v);
      a33 = FloatVector.fromArray(F, y, yo + 3 * ys + 3 * v);
    }
    for (int d = 0; d < depth; d++) {
      int o = wo + d * ws;
      FloatVector b0 = FloatVector.fromArray(F, w, o);
      FloatVector b1 = FloatVector.fromArray(F, w, o + v);
      FloatVector b2 = FloatVector.fromArray(F, w, o + 2 * v);
      FloatVector b3 = FloatVector.fromArray(F, w, o + 3 * v);
      FloatVector s = FloatVector.broadcast(F, x[xo + d]);
      a00 = s.fma(b0, a00);
      a01 = s.fma(b1, a01);
      a02 = s.fma(b2, a02);
      a03 = s.fma(b3, a03);
      s = FloatVector.broadcast(F, x[xo + xs + d]);
      a10 = s.fma(b0, a10);
      a11 = s.fma(b1, a11);
      a12 = s.fma(b2, a12);
      a13 = s.fma(b3, a13);
      s = FloatVector.broadcast(F, x[xo + 2 * xs + d]);
      a20 = s.fma(b0, a20);
      a21 = s.fma(b1, a21);
      a22 = s.fma(b2, a22);
      a23 = s.fma(b3, a23);
      s = FloatVector.broadcast(F, x[xo + 3 * xs + d]);
      a30 = s.fma(b0, a30);
      a31 = s.fma(b1, a31);
      a32 = s.fma(b2, a32);
      a33 = s.fma(b3, a33);
    }
    a00.intoArray(y, yo);
    a01.intoArray(y, yo + v);
    a02.intoArray(y, yo + 2 * v);
    a03.intoArray(y, yo + 3 * v);
    a10.intoArray(y, yo + ys);
    a11.intoArray(y, yo + ys + v);
    a12.intoArray(y, yo + ys + 2 * v);
    a13.intoArray(y, yo + ys + 3 * v);
    a20.intoArray(y, yo + 2 * ys);
    a21.intoArray(y, yo + 2 * ys + v);
    a22.intoArray(y, yo + 2 * ys + 2 * v);
    a23.intoArray(y, yo + 2 * ys + 3 * v);
    a30.intoArray(y, yo + 3 * ys);
    a31.intoArray(y, yo + 3 * ys + v);
    a32.intoArray(y, yo + 3 * ys + 2 * v);
    a33.intoArray(y, yo + 3 * ys + 3 * v);
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
