package io.lorafleet.artifacts.safetensors;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** A tensor to write: name, dtype, shape and its little-endian bytes. */
public record Tensor(String name, DType dtype, List<Long> shape, MemorySegment data) {

  public Tensor {
    shape = List.copyOf(shape);
    long expected = dtype.byteSize();
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor '" + name + "': negative dimension " + d);
      }
      expected = Math.multiplyExact(expected, d);
    }
    if (data.byteSize() != expected) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "': "
              + dtype
              + " "
              + shape
              + " needs "
              + expected
              + " bytes, got "
              + data.byteSize());
    }
  }

  /** Encodes floats into {@code dtype} (rounding to nearest even for BF16/F16). */
  public static Tensor ofFloats(String name, DType dtype, List<Long> shape, float[] values) {
    MemorySegment seg = Arena.ofAuto().allocate((long) values.length * dtype.byteSize());
    for (int i = 0; i < values.length; i++) {
      ElementCodec.set(seg, dtype, i, values[i]);
    }
    return new Tensor(name, dtype, shape, seg);
  }

  /** Wraps raw little-endian bytes already in {@code dtype}'s encoding. */
  public static Tensor ofBytes(String name, DType dtype, List<Long> shape, byte[] bytes) {
    MemorySegment seg = Arena.ofAuto().allocate(bytes.length);
    MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
    return new Tensor(name, dtype, shape, seg);
  }
}
