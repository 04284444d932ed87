package io.lorafleet.engine.backend.cpu;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.Weights;

/**
 * The CPU matmul's inner work: a range of output features against every token, choosing the kernel
 * by dtype and token count (four fp32 weight rows per token for decode, four tokens per widened row
 * for batches). Each output is one dot product in {@link VectorKernels}' order.
 */
final class MatmulRows {
  // Per-thread scratch: a widened bf16/int8 weight row, and four dot products.
  private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> FOUR = ThreadLocal.withInitial(() -> new float[4]);

  private MatmulRows() {}

  /** Output features [from, to) of one matmul; each weight row is used for every token in turn. */
  static void rows(float[] x, int tokens, Weights w, float[] bias, float[] y, int from, int to) {
    int in = w.cols();
    int out = w.rows();
    DType type = w.dtype();
    // bf16/int8 rows feed 4-token kernels through a widened copy; fewer tokens widen in registers.
    boolean widenRow = type != DType.F32 && tokens >= 4;
    float[] row = widenRow ? Scratch.grow(ROW, in) : null;
    float[] four = FOUR.get();
    int o = from;
    if (tokens < 4 && type == DType.F32) {
      // Few tokens, fp32: four weight rows at a time against each token (see dotRows4F32). For
      // bf16 the widening already keeps a row busy, and four at once measured slower
      // (bench/cpu-decode.md), so bf16 and int8 rows stay one at a time below.
      float[] wf = w.f32();
      for (; o + 4 <= to; o += 4) {
        for (int t = 0; t < tokens; t++) {
          VectorKernels.dotRows4F32(wf, o * in, x, t * in, in, four);
          for (int k = 0; k < 4; k++) {
            y[t * out + o + k] = four[k] + (bias == null ? 0f : bias[o + k]);
          }
        }
      }
    }
    for (; o < to; o++) {
      float b = bias == null ? 0f : bias[o];
      if (type != DType.F32 && !widenRow) {
        for (int t = 0; t < tokens; t++) {
          y[t * out + o] =
              (type == DType.BF16
                      ? VectorKernels.dotBf16(w.bf16(), o * in, x, t * in, in)
                      : VectorKernels.dotQ8(w.q8(), w.q8Scales(), o * in, x, t * in, in))
                  + b;
        }
        continue;
      }
      float[] src;
      int so;
      if (widenRow) {
        if (type == DType.BF16) {
          VectorKernels.bf16ToF32(w.bf16(), o * in, row, in);
        } else {
          VectorKernels.q8ToF32(w.q8(), w.q8Scales(), o * in, row, in);
        }
        src = row;
        so = 0;
      } else {
        src = w.f32();
        so = o * in;
      }
      int t = 0;
      for (; t + 4 <= tokens; t += 4) {
        VectorKernels.dot4(src, so, x, t * in, in, in, four);
        for (int k = 0; k < 4; k++) {
          y[(t + k) * out + o] = four[k] + b;
        }
      }
      for (; t < tokens; t++) {
        y[t * out + o] = VectorKernels.dot(src, so, x, t * in, in) + b;
      }
    }
  }
}
