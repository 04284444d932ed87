package io.lorafleet.engine.backend.cpu;

import io.lorafleet.engine.backend.Tensor;

/** A resident buffer of the CPU backend: a Java array, handed to the array kernels as it is. */
record CpuTensor(float[] data) implements Tensor {
  @Override
  public long floats() {
    return data.length;
  }

  static float[] of(Tensor t) {
    return t == null ? null : ((CpuTensor) t).data;
  }
}
