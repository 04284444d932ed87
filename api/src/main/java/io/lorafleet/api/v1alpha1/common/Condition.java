package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A condition in the standard Kubernetes shape (metav1.Condition). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
    @JsonPropertyDescription(
            "Condition type: Ready, Progressing or Degraded; a BaseModel also reports RouterReady.")
        @Required
        String type,
    @JsonPropertyDescription("True, False or Unknown.") @Required ConditionStatus status,
    @JsonPropertyDescription("Machine-readable CamelCase reason for the last transition.") @Required
        String reason,
    @JsonPropertyDescription("Human-readable details.") String message,
    @JsonPropertyDescription("When the status last changed (RFC 3339).") @Required
        String lastTransitionTime,
    @JsonPropertyDescription("metadata.generation of the spec this condition was computed for.")
        Long observedGeneration) {

  public boolean is(ConditionType conditionType) {
    return conditionType.name().equals(type);
  }

  @JsonIgnore
  public boolean isTrue() {
    return status == ConditionStatus.TRUE;
  }
}
