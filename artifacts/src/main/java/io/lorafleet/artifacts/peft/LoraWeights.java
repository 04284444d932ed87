package io.lorafleet.artifacts.peft;

/**
 * One adapted module in canonical form: row-major {@code a} [rank, in] and {@code b} [out, rank],
 * and the scale that multiplies {@code B·A} (alpha/r, or alpha/sqrt(r) with rsLoRA).
 */
public record LoraWeights(
    ModuleKey key, int rank, int in, int out, double scale, float[] a, float[] b) {
  public LoraWeights {
    if (a.length != (long) rank * in || b.length != (long) out * rank) {
      throw new IllegalArgumentException(
          key
              + ": A has "
              + a.length
              + " values, B "
              + b.length
              + ", expected "
              + rank
              + "x"
              + in
              + " and "
              + out
              + "x"
              + rank);
    }
  }
}
