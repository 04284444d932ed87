package io.lorafleet.artifacts.safetensors;

import java.util.List;

/**
 * One header entry: name, dtype, shape and the byte range relative to the start of the data buffer
 * ({@code begin} inclusive, {@code end} exclusive).
 */
public record TensorInfo(String name, DType dtype, List<Long> shape, long begin, long end) {

  public TensorInfo {
    shape = List.copyOf(shape);
  }

  /** Number of elements; the header parser has already proven it does not overflow. */
  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteLength() {
    return end - begin;
  }

  public int rank() {
    return shape.size();
  }

  public long dim(int i) {
    return shape.get(i);
  }
}
