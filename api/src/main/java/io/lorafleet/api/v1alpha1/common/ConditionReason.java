package io.lorafleet.api.v1alpha1.common;

/**
 * A CamelCase condition reason. Each kind has an enum of them, so a reason is always a constant
 * that automation can match, never exception text.
 */
public interface ConditionReason {
  String name();
}
