package io.lorafleet.bench.llamacpp;

/**
 * HF Llama checkpoints rotate the two halves of each head ({@code x[i]} with {@code x[i + d/2]});
 * llama.cpp's {@code llama} architecture rotates adjacent pairs ({@code x[2i]} with {@code
 * x[2i+1]}). Its converter therefore reorders the rows of q and k (and of a LoRA B on them) per
 * head: new row {@code 2i + s} is old row {@code s·d/2 + i}. The dot products q·k are unchanged
 * because both sides are reordered the same way.
 */
final class RotaryRows {
  private RotaryRows() {}

  /** For each output row, the HF row it comes from. */
  static int[] sourceRows(int rows, int heads) {
    if (rows % heads != 0 || (rows / heads) % 2 != 0) {
      throw new IllegalArgumentException(rows + " rows do not split into " + heads + " even heads");
    }
    int d = rows / heads;
    int[] src = new int[rows];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < d / 2; i++) {
        for (int s = 0; s < 2; s++) {
          src[h * d + 2 * i + s] = h * d + s * (d / 2) + i;
        }
      }
    }
    return src;
  }

  /** Rows of a row-major [rows, cols] matrix reordered. */
  static float[] permute(float[] m, int rows, int cols, int heads) {
    int[] src = sourceRows(rows, heads);
    float[] out = new float[m.length];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(m, src[r] * cols, out, r * cols, cols);
    }
    return out;
  }
}
