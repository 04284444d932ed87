package io.lorafleet.engine.merge;

/**
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw, SC11), a counter-based generator: the random number of
 * an element is a pure function of (seed, counter), so a merge draws the same DARE mask whatever
 * the thread count or processing order. Mirrors {@code io.lorafleet.kernels.Philox} (the kernels
 * module is not an engine dependency); checked against Random123's known-answer vectors.
 */
public final class Philox {
  private static final long M0 = 0xD2511F53L;
  private static final long M1 = 0xCD9E8D57L;
  private static final int W0 = 0x9E3779B9;
  private static final int W1 = 0xBB67AE85;

  private Philox() {}

  /** Ten rounds on {@code ctr} (4 words, updated in place) with key {@code (k0, k1)}. */
  public static void philox4x32x10(int[] ctr, int k0, int k1) {
    for (int round = 0; round < 10; round++) {
      long p0 = M0 * (ctr[0] & 0xffffffffL);
      long p1 = M1 * (ctr[2] & 0xffffffffL);
      int n0 = (int) (p1 >>> 32) ^ ctr[1] ^ k0;
      int n2 = (int) (p0 >>> 32) ^ ctr[3] ^ k1;
      ctr[0] = n0;
      ctr[1] = (int) p1;
      ctr[2] = n2;
      ctr[3] = (int) p0;
      k0 += W0;
      k1 += W1;
    }
  }

  /**
   * The uniform in [0, 1) for element {@code index} of tensor {@code tensorId} of stream {@code
   * stream}: counter {@code (index_lo, index_hi, tensorId, stream)}, key {@code (seed_lo,
   * seed_hi)}, top 24 bits of the first output word times 2⁻²⁴. With {@code stream = 0} this is
   * exactly the kernels module's {@code Philox.uniform(seed, tensorId, index)}.
   */
  public static float uniform(long seed, int tensorId, int stream, long index) {
    int[] ctr = {(int) index, (int) (index >>> 32), tensorId, stream};
    philox4x32x10(ctr, (int) seed, (int) (seed >>> 32));
    return (ctr[0] >>> 8) * (1f / 16777216f);
  }
}
