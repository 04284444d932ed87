package io.lorafleet.engine.backend;

/**
 * 8-bit base weights in blocks of {@value #BLOCK} consecutive values of a row, each block with its
 * own scale: llama.cpp's Q8_0 layout and rounding ({@code d = max|x| / 127}, stored as fp16; {@code
 * q = round(x / d)} away from zero), so a GGUF Q8_0 file written from these blocks holds exactly
 * the same weights as the engine serves.
 */
public final class Q8Blocks {
  public static final int BLOCK = 32;

  private Q8Blocks() {}

  /** Quantizes a row-major {@code [rows, cols]} matrix; {@code cols} must be a multiple of 32. */
  public static Weights quantize(int rows, int cols, float[] values) {
    if (cols % BLOCK != 0) {
      throw new IllegalArgumentException(
          "int8 weights need a row width that is a multiple of " + BLOCK + ", got " + cols);
    }
    long n = (long) rows * cols;
    if (values.length != n) {
      throw new IllegalArgumentException(
          "weights [" + rows + ", " + cols + "] need " + n + " values, got " + values.length);
    }
    byte[] q = new byte[values.length];
    float[] scales = new float[values.length / BLOCK];
    for (int b = 0; b < scales.length; b++) {
      int from = b * BLOCK;
      float amax = 0f;
      for (int i = from; i < from + BLOCK; i++) {
        amax = Math.max(amax, Math.abs(values[i]));
      }
      float d = amax / 127f;
      float id = d != 0f ? 1f / d : 0f;
      // The weights are served with the fp16-rounded scale, as llama.cpp stores it.
      scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
      for (int i = from; i < from + BLOCK; i++) {
        q[i] = (byte) roundHalfAway(values[i] * id);
      }
    }
    return Weights.q8(rows, cols, q, scales);
  }

  /** C's roundf: halves go away from zero (Math.round sends -2.5 to -2). */
  public static int roundHalfAway(float v) {
    float a = Math.abs(v);
    float f = (float) Math.floor(a);
    int r = (int) f + (a - f >= 0.5f ? 1 : 0);
    return v < 0 ? -r : r;
  }
}
