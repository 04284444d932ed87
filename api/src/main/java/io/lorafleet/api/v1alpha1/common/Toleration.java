package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A toleration for node taints, in the shape of the Kubernetes core type; the rules are the API
 * server's own checks of a pod's tolerations, applied when the resource is.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
    message = "value must be empty when operator is Exists",
    fieldPath = ".value")
@ValidationRule(
    value = "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
    message = "tolerationSeconds applies only to effect NoExecute",
    fieldPath = ".tolerationSeconds")
@ValidationRule(
    value =
        "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
    message = "an empty key matches every taint and needs operator Exists",
    fieldPath = ".key")
public record Toleration(
    @JsonPropertyDescription("Taint key to match; empty with operator Exists matches every key.")
        @Size(max = 316)
        String key,
    @JsonPropertyDescription("Exists or Equal (default Equal).") Operator operator,
    @JsonPropertyDescription("Taint value to match when the operator is Equal.") @Size(max = 63)
        String value,
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
