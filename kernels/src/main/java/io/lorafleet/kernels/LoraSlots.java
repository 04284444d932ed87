package io.lorafleet.kernels;

import io.lorafleet.engine.backend.LoraPair;

/**
 * One (layer, module)'s LoRA slot pool on the device, in the kernels' layout: {@code
 * a[slot][rMax][in]}, {@code b[slot][rMax][out]} (B transposed, scale folded in), {@code
 * ranks[slot]} (0 = empty). It remembers which pair each slot holds, so a new adapter table costs
 * only the copies of the slots that changed; rows past a slot's rank are never read, so an emptied
 * slot only needs its rank cleared.
 */
final class LoraSlots {
  private final long a;
  private final long b;
  private final long ranks;
  private final int slots;
  private final int rMax;
  private final int in;
  private final int out;
  private final LoraPair[] held;

  private LoraSlots(long a, long b, long ranks, int slots, int rMax, int in, int out) {
    this.a = a;
    this.b = b;
    this.ranks = ranks;
    this.slots = slots;
    this.rMax = rMax;
    this.in = in;
    this.out = out;
    this.held = new LoraPair[slots];
  }

  static LoraSlots allocate(Device device, int slots, int rMax, int in, int out) {
    long a = device.alloc(4L * slots * rMax * in);
    long b = device.alloc(4L * slots * rMax * out);
    long ranks = device.alloc(4L * slots);
    return new LoraSlots(a, b, ranks, slots, rMax, in, out);
  }

  /** Whether a table of {@code n} slots with this rank bound and shape fits this pool. */
  boolean fits(int n, int rMax, int in, int out) {
    return n <= slots && rMax == this.rMax && in == this.in && out == this.out;
  }

  /** Rewrites the slots whose pair differs from {@code pairs} (slots past its end are emptied). */
  void sync(Device device, LoraPair[] pairs) {
    for (int s = 0; s < slots; s++) {
      LoraPair p = s < pairs.length ? pairs[s] : null;
      if (p == held[s]) {
        continue;
      }
      if (p != null) {
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
        device.upload(a + 4L * s * rMax * in, p.a());
        device.upload(b + 4L * s * rMax * out, p.bT());
      }
      device.upload(ranks + 4L * s, new int[] {p == null ? 0 : p.rank()});
      held[s] = p;
    }
  }

  void free(Device device) {
    device.free(a);
    device.free(b);
    device.free(ranks);
  }

  long a() {
    return a;
  }

  long b() {
    return b;
  }

  long ranks() {
    return ranks;
  }

  int slots() {
    return slots;
  }
}
