package io.lorafleet.artifacts.hf;

/** Weight shape of a linear layer in PyTorch order: {@code [out_features, in_features]}. */
public record LinearShape(long out, long in) {
  @Override
  public String toString() {
    return "[" + out + ", " + in + "]";
  }
}
