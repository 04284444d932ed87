package io.lorafleet.artifacts.safetensors;

import java.util.Optional;

/** The element types Lorafleet reads and writes; names are the safetensors header spellings. */
public enum DType {
  F32(4),
  BF16(2),
  F16(2),
  I8(1),
  U8(1);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  public int byteSize() {
    return byteSize;
  }

  public boolean isFloatingPoint() {
    return this == F32 || this == BF16 || this == F16;
  }

  /** The dtype for a header spelling, or empty for dtypes we do not support (F64, I32, F8_*...). */
  public static Optional<DType> fromHeader(String name) {
    for (DType d : values()) {
      if (d.name().equals(name)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }
}
