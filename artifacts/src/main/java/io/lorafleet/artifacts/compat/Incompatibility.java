package io.lorafleet.artifacts.compat;

/** One reason an adapter does not fit, with a message a user can act on. */
public record Incompatibility(IncompatibilityReason reason, String message) {
  @Override
  public String toString() {
    return reason.conditionReason() + ": " + message;
  }
}
