package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The three values Kubernetes allows for a condition's status. */
public enum ConditionStatus {
  @JsonProperty("True")
  TRUE,
  @JsonProperty("False")
  FALSE,
  @JsonProperty("Unknown")
  UNKNOWN;

  public static ConditionStatus of(boolean value) {
    return value ? TRUE : FALSE;
  }
}
