package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A toleration for node taints, in the shape of the Kubernetes core type. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Toleration(
    @JsonPropertyDescription("Taint key to match; empty with operator Exists matches every key.")
        String key,
    @JsonPropertyDescription("Exists or Equal (default Equal).") Operator operator,
    @JsonPropertyDescription("Taint value to match when the operator is Equal.") String value,
    @JsonPropertyDescription(
            "Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.")
        Effect effect,
    @JsonPropertyDescription(
            "For NoExecute: how long the pod stays bound after the taint appears, in seconds.")
        Long tolerationSeconds) {

  /** How the key and value are compared with a taint. */
  public enum Operator {
    @JsonProperty("Exists")
    EXISTS,
    @JsonProperty("Equal")
    EQUAL
  }

  /** The taint effect a toleration matches. */
  public enum Effect {
    @JsonProperty("NoSchedule")
    NO_SCHEDULE,
    @JsonProperty("PreferNoSchedule")
    PREFER_NO_SCHEDULE,
    @JsonProperty("NoExecute")
    NO_EXECUTE
  }
}
