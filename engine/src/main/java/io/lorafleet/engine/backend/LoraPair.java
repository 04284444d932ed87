package io.lorafleet.engine.backend;

/**
 * The LoRA matrices of one adapter for one linear module, PEFT orientation: {@code a} is {@code
 * [rank, in]}, {@code b} is {@code [out, rank]} with the adapter's scale already folded in (as vLLM
 * does), so kernels never multiply by the scale. {@code bT} is {@code b} transposed ({@code [rank,
 * out]}), kept so the expand step is {@code rank} contiguous row updates instead of {@code out}
 * short dot products.
 */
public record LoraPair(int rank, int in, int out, float[] a, float[] b, float[] bT) {
  public LoraPair {
    if (rank < 1 || a.length != rank * in || b.length != out * rank || bT.length != b.length) {
      throw new IllegalArgumentException(
          "LoRA pair rank " + rank + " in " + in + " out " + out + " does not match its arrays");
    }
  }

  /** A pair from A and (scaled) B; computes the transposed copy of B. */
  public LoraPair(int rank, int in, int out, float[] a, float[] b) {
    this(rank, in, out, a, b, transpose(b, out, rank));
  }

  private static float[] transpose(float[] m, int rows, int cols) {
    if (m.length != rows * cols) {
      return new float[0]; // the canonical constructor reports the mismatch
    }
    float[] t = new float[m.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = m[r * cols + c];
      }
    }
    return t;
  }
}
