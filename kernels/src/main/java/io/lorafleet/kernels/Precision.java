package io.lorafleet.kernels;

/**
 * The storage type of activations and weights on the device: fp32 or bf16 (raw bits, widened to
 * fp32 inside every kernel, which accumulates in fp32). It picks a kernel's {@code _f32} or {@code
 * _bf16} entry point.
 */
public enum Precision {
  F32(4, "_f32"),
  BF16(2, "_bf16");

  private final int bytes;
  private final String suffix;

  Precision(int bytes, String suffix) {
    this.bytes = bytes;
    this.suffix = suffix;
  }

  public int bytes() {
    return bytes;
  }

  /** The entry point of kernel {@code base} for this storage type. */
  public String kernel(String base) {
    return base + suffix;
  }
}
