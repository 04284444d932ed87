package io.lorafleet.api.v1alpha1.common;

/** The condition types every Lorafleet kind reports. */
public enum ConditionType {
  /** The resource does what its spec asks: serving, placed, trained, merged. */
  Ready,
  /** The operator is working towards the spec (rolling out, training, merging, retrying). */
  Progressing,
  /** Something is wrong that needs attention or is being retried. */
  Degraded
}
