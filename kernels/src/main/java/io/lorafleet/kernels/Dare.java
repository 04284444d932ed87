package io.lorafleet.kernels;

/**
 * DARE drop-and-rescale ("Language Models are Super Mario"), the CPU reference of the {@code dare}
 * kernel: element {@code i} of a delta tensor is kept when {@link Philox#uniform(long, int, long)}
 * is below {@code density} and then divided by {@code density}; otherwise it becomes 0. A density
 * of 0 (or less) zeroes the tensor (no 0/0), a density of 1 keeps it unchanged. The rescale is
 * always applied (PEFT once dropped it silently). Which tensor DARE applies to (ΔW, or A and B
 * separately, which is not equivalent) is the caller's choice and must be documented there.
 */
public final class Dare {
  private Dare() {}

  /** Drops and rescales {@code delta} in place. */
  public static void dropAndRescale(float[] delta, float density, long seed, int tensorId) {
    for (int i = 0; i < delta.length; i++) {
      float keep = density > 0f && Philox.uniform(seed, tensorId, i) < density ? 1f / density : 0f;
      delta[i] = keep == 0f ? 0f : delta[i] * keep;
    }
  }
}
