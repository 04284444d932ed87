package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** How new versions of the artifact roll out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.strategy != 'Canary' || has(self.canary)",
    message = "canary (its steps) is required when strategy is Canary",
    fieldPath = ".canary")
public record RolloutSpec(
    @JsonPropertyDescription(
            "Immediate (default): every pod swaps to a new version at once. Canary: the new"
                + " version is loaded next to the stable one and receives traffic in weighted"
                + " steps (pauses, online analysis, a person's decision) until it is promoted or"
                + " rolled back.")
        @Default("Immediate")
        RolloutStrategy strategy,
    @JsonPropertyDescription("The canary's steps, stickiness, evaluation gate and analysis.")
        CanarySpec canary) {}
