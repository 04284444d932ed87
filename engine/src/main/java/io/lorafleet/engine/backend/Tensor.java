package io.lorafleet.engine.backend;

/**
 * An fp32 buffer the backend owns (device memory, or a Java array on the CPU backend); the model
 * holds only this handle and passes it back to the backend that made it. {@link #floats()} is its
 * capacity.
 */
public interface Tensor {
  long floats();
}
