package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** One canary step: a traffic weight, then a pause, an analysis, or both. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.weight >= 1 && self.weight <= 100",
    message = "weight must be a percentage between 1 and 100",
    fieldPath = ".weight")
public record CanaryStep(
    @JsonPropertyDescription("Percent of the served name's requests sent to the new version.")
        @Required
        Integer weight,
    @JsonPropertyDescription(
            "How long to hold this step before the next (a Go duration such as 5m); without it"
                + " the step waits for the analysis, or for a person.")
        @Size(max = 32)
        String pause,
    @JsonPropertyDescription("Run the online analysis before leaving this step.")
        Boolean analysis) {}
