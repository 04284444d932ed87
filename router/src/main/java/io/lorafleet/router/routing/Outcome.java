package io.lorafleet.router.routing;

/** Why a pod was chosen (a metric label). */
public enum Outcome {
  /** The base model: the least loaded pod. */
  BASE,
  /** A pod that holds the adapter (device, host or disk tier). */
  RESIDENT,
  /** The adapter's rendezvous pod: nobody holds it, this pod loads it. */
  COLD,
  /** Every pod holding the adapter is full: another pod with free slots loads a copy. */
  SPREAD;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
