package io.lorafleet.operator.serving;

/**
 * An adapter a serving pod reports as loaded, and which version. {@code noEffect}: the pod's load
 * probe found its output equal to the base model's ({@code maxLogitDiff}, null when the pod does
 * not report a probe: vLLM, or an older server).
 */
public record ResidentAdapter(String name, String digest, boolean noEffect, Double maxLogitDiff) {

  /** A pod that reports no probe. */
  public ResidentAdapter(String name, String digest) {
    this(name, digest, false, null);
  }
}
