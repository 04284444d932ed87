package io.lorafleet.kernels;

/**
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC11), the counter-based generator the CUDA kernels
 * use ({@code training.cuh}); this Java copy draws the same numbers bit for bit, so CPU and GPU
 * drop the same elements. Checked against Random123's published known-answer vectors.
 */
public final class Philox {
  private Philox() {}

  /**
   * Ten rounds on {@code ctr} (4 words, updated in place) with key {@code (k0, k1)}: the engine's
   * implementation, so CPU merges, the host build and the GPU share one definition.
   */
  public static void philox4x32x10(int[] ctr, int k0, int k1) {
    io.lorafleet.engine.merge.Philox.philox4x32x10(ctr, k0, k1);
  }

  /**
   * The uniform in [0, 1) of element {@code index} of tensor {@code tensorId}: counter {@code
   * (index_lo, index_hi, tensorId, 0)}, key {@code (seed_lo, seed_hi)}, top 24 bits of the first
   * output word times 2⁻²⁴.
   */
  public static float uniform(long seed, int tensorId, long index) {
    int[] ctr = {(int) index, (int) (index >>> 32), tensorId, 0};
    philox4x32x10(ctr, (int) seed, (int) (seed >>> 32));
    return (ctr[0] >>> 8) * (1f / 16777216f);
  }
}
