package io.lorafleet.engine.backend;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.ElementCodec;

/**
 * A row-major weight matrix {@code [rows, cols]} in PyTorch orientation ({@code [out, in]} for a
 * linear layer), stored as fp32, as raw bf16 bits that kernels widen on the fly, or as int8 blocks
 * with one scale per {@link Q8Blocks#BLOCK} values of a row ({@link DType#I8}, see {@link
 * Q8Blocks}).
 */
public final class Weights {
  private final int rows;
  private final int cols;
  private final float[] f32;
  private final short[] bf16;
  private final byte[] q8;
  private final float[] q8Scales;

  private Weights(int rows, int cols, float[] f32, short[] bf16) {
    this(rows, cols, f32, bf16, null, null);
  }

  private Weights(int rows, int cols, float[] f32, short[] bf16, byte[] q8, float[] q8Scales) {
    long n = (long) rows * cols;
    long have = f32 != null ? f32.length : bf16 != null ? bf16.length : q8.length;
    if (have != n) {
      throw new IllegalArgumentException(
          "weights [" + rows + ", " + cols + "] need " + n + " values, got " + have);
    }
    this.rows = rows;
    this.cols = cols;
    this.f32 = f32;
    this.bf16 = bf16;
    this.q8 = q8;
    this.q8Scales = q8Scales;
  }

  public static Weights f32(int rows, int cols, float[] values) {
    return new Weights(rows, cols, values, null);
  }

  public static Weights bf16(int rows, int cols, short[] bits) {
    return new Weights(rows, cols, null, bits);
  }

  /** int8 values with one scale per {@link Q8Blocks#BLOCK} values of a row (see Q8Blocks). */
  public static Weights q8(int rows, int cols, byte[] values, float[] scales) {
    if (cols % Q8Blocks.BLOCK != 0 || scales.length != values.length / Q8Blocks.BLOCK) {
      throw new IllegalArgumentException(
          "int8 weights ["
              + rows
              + ", "
              + cols
              + "] need "
              + values.length / Q8Blocks.BLOCK
              + " block scales and a width that is a multiple of "
              + Q8Blocks.BLOCK
              + ", got "
              + scales.length);
    }
    return new Weights(rows, cols, null, null, values, scales);
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public DType dtype() {
    return f32 != null ? DType.F32 : bf16 != null ? DType.BF16 : DType.I8;
  }

  /** The fp32 values; only for {@link DType#F32} weights. */
  public float[] f32() {
    if (f32 == null) {
      throw new IllegalStateException("weights are " + dtype());
    }
    return f32;
  }

  /** The raw bf16 bits; only for {@link DType#BF16} weights. */
  public short[] bf16() {
    if (bf16 == null) {
      throw new IllegalStateException("weights are " + dtype());
    }
    return bf16;
  }

  /** The int8 values; only for {@link DType#I8} weights. */
  public byte[] q8() {
    if (q8 == null) {
      throw new IllegalStateException("weights are " + dtype());
    }
    return q8;
  }

  /** One scale per {@link Q8Blocks#BLOCK} values; only for {@link DType#I8} weights. */
  public float[] q8Scales() {
    if (q8 == null) {
      throw new IllegalStateException("weights are " + dtype());
    }
    return q8Scales;
  }

  public float get(int row, int col) {
    int i = row * cols + col;
    if (q8 != null) {
      return q8[i] * q8Scales[i / Q8Blocks.BLOCK];
    }
    return f32 != null ? f32[i] : ElementCodec.bf16ToFloat(bf16[i]);
  }

  /** An fp32 copy (bf16 widened exactly, int8 dequantized), e.g. as the target of a merge. */
  public Weights toF32Copy() {
    if (f32 != null) {
      return f32(rows, cols, f32.clone());
    }
    if (q8 != null) {
      float[] out = new float[q8.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = q8[i] * q8Scales[i / Q8Blocks.BLOCK];
      }
      return f32(rows, cols, out);
    }
    float[] out = new float[bf16.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = ElementCodec.bf16ToFloat(bf16[i]);
    }
    return f32(rows, cols, out);
  }

  /** Bytes held (and read by a matmul): int8 values plus their fp32 block scales. */
  public long byteSize() {
    if (q8 != null) {
      return q8.length + 4L * q8Scales.length;
    }
    return (long) rows * cols * dtype().byteSize();
  }
}
