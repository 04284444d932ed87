package io.lorafleet.engine.backend;

/**
 * The LoRA matrices of one adapter for one linear module, PEFT orientation: {@code a} is {@code
 * [rank, in]}, {@code b} is {@code [out, rank]} with the adapter's scale already folded in (as vLLM
 * does), so kernels never multiply by the scale.
 */
public record LoraPair(int rank, int in, int out, float[] a, float[] b) {
  public LoraPair {
    if (rank < 1 || a.length != rank * in || b.length != out * rank) {
      throw new IllegalArgumentException(
          "LoRA pair rank " + rank + " in " + in + " out " + out + " does not match its arrays");
    }
  }
}
