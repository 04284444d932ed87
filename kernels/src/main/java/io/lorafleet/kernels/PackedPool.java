package io.lorafleet.kernels;

import io.lorafleet.engine.backend.LoraPair;

/**
 * LoRA pairs by slot packed into the kernels' slot-pool layout: {@code a[slot][rMax][in]}, {@code
 * b[slot][rMax][out]} (B transposed, scale already folded in, so expand reads are coalesced),
 * {@code ranks[slot]} with 0 for an empty slot (a null pair). Unused rows are zero.
 */
public record PackedPool(float[] a, float[] b, int[] ranks, int rMax, int in, int out) {

  public static PackedPool of(LoraPair[] pairs, int rMax, int in, int out) {
    int slots = pairs.length;
    float[] a = new float[slots * rMax * in];
    float[] b = new float[slots * out * rMax];
    int[] ranks = new int[slots];
    for (int s = 0; s < slots; s++) {
      LoraPair p = pairs[s];
      if (p == null) {
        continue;
      }
      if (p.rank() > rMax || p.in() != in || p.out() != out) {
        throw new IllegalArgumentException(
            "LoRA pair ["
                + p.rank()
                + ", "
                + p.in()
                + " -> "
                + p.out()
                + "] does not fit rMax "
                + rMax
                + ", in "
                + in
                + ", out "
                + out);
      }
      ranks[s] = p.rank();
      System.arraycopy(p.a(), 0, a, s * rMax * in, p.rank() * in);
      for (int o = 0; o < out; o++) {
        for (int j = 0; j < p.rank(); j++) {
          b[(s * rMax + j) * out + o] = p.b()[o * p.rank() + j];
        }
      }
    }
    return new PackedPool(a, b, ranks, rMax, in, out);
  }
}
