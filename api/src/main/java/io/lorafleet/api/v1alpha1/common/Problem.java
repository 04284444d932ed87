package io.lorafleet.api.v1alpha1.common;

import java.util.Objects;

/** A reason and a human message: what blocks, delays or degrades a resource. */
public record Problem(ConditionReason reason, String message) {
  public Problem {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }
}
