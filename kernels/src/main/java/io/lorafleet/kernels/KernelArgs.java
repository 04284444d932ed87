package io.lorafleet.kernels;

import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one kernel launch, in declaration order and with their C types, so that a device
 * can build {@code cuLaunchKernel}'s parameter array (one pointer per argument to a copy of its
 * value).
 */
public final class KernelArgs {
  /** The C type of an argument. */
  public enum Kind {
    /** A device pointer (8 bytes). */
    PTR,
    /** {@code int} (4 bytes). */
    I32,
    /** {@code float} (4 bytes). */
    F32,
    /** {@code unsigned long long} (8 bytes). */
    U64
  }

  /** One argument: its kind and its bits (a pointer or u64, an int, or float bits). */
  public record Arg(Kind kind, long bits) {}

  private final List<Arg> args = new ArrayList<>();

  public KernelArgs ptr(long devicePointer) {
    args.add(new Arg(Kind.PTR, devicePointer));
    return this;
  }

  public KernelArgs i32(int value) {
    args.add(new Arg(Kind.I32, value));
    return this;
  }

  public KernelArgs f32(float value) {
    args.add(new Arg(Kind.F32, Float.floatToRawIntBits(value)));
    return this;
  }

  public KernelArgs u64(long value) {
    args.add(new Arg(Kind.U64, value));
    return this;
  }

  public List<Arg> list() {
    return List.copyOf(args);
  }
}
