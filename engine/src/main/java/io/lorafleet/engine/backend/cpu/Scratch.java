package io.lorafleet.engine.backend.cpu;

/** Per-thread scratch arrays, grown on demand (doubling) and never shrunk. */
final class Scratch {
  private Scratch() {}

  /** The holder's array, replaced by one of at least {@code n} floats when it is shorter. */
  static float[] grow(ThreadLocal<float[]> holder, int n) {
    float[] a = holder.get();
    if (a.length < n) {
      a = new float[Math.max(n, a.length * 2)];
      holder.set(a);
    }
    return a;
  }
}
