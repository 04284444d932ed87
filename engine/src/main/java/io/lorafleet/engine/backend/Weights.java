package io.lorafleet.engine.backend;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.ElementCodec;

/**
 * A row-major weight matrix {@code [rows, cols]} in PyTorch orientation ({@code [out, in]} for a
 * linear layer), stored as fp32 or as raw bf16 bits that kernels widen on the fly.
 */
public final class Weights {
  private final int rows;
  private final int cols;
  private final float[] f32;
  private final short[] bf16;

  private Weights(int rows, int cols, float[] f32, short[] bf16) {
    long n = (long) rows * cols;
    long have = f32 != null ? f32.length : bf16.length;
    if (have != n) {
      throw new IllegalArgumentException(
          "weights [" + rows + ", " + cols + "] need " + n + " values, got " + have);
    }
    this.rows = rows;
    this.cols = cols;
    this.f32 = f32;
    this.bf16 = bf16;
  }

  public static Weights f32(int rows, int cols, float[] values) {
    return new Weights(rows, cols, values, null);
  }

  public static Weights bf16(int rows, int cols, short[] bits) {
    return new Weights(rows, cols, null, bits);
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public DType dtype() {
    return f32 != null ? DType.F32 : DType.BF16;
  }

  /** The fp32 values; only for {@link DType#F32} weights. */
  public float[] f32() {
    if (f32 == null) {
      throw new IllegalStateException("weights are bf16");
    }
    return f32;
  }

  /** The raw bf16 bits; only for {@link DType#BF16} weights. */
  public short[] bf16() {
    if (bf16 == null) {
      throw new IllegalStateException("weights are fp32");
    }
    return bf16;
  }

  public float get(int row, int col) {
    int i = row * cols + col;
    return f32 != null ? f32[i] : ElementCodec.bf16ToFloat(bf16[i]);
  }

  /** An fp32 copy (bf16 widened exactly), e.g. as the target of a merge. */
  public Weights toF32Copy() {
    if (f32 != null) {
      return f32(rows, cols, f32.clone());
    }
    float[] out = new float[bf16.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = ElementCodec.bf16ToFloat(bf16[i]);
    }
    return f32(rows, cols, out);
  }

  public long byteSize() {
    return (long) rows * cols * dtype().byteSize();
  }
}
