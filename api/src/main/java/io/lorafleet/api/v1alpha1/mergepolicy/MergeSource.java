package io.lorafleet.api.v1alpha1.mergepolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.Validation;

/** One adapter in a merge and its weight. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "self.adapter.size() <= 63 && self.adapter.matches(" + Validation.DNS_LABEL_PATTERN + ")",
    message = "adapter " + Validation.DNS_LABEL_MESSAGE,
    fieldPath = ".adapter")
@ValidationRule(
    // NaN and the infinities fail these comparisons, so this is the finiteness test.
    value =
        "self.weight >= " + Validation.FINITE_MIN + " && self.weight <= " + Validation.FINITE_MAX,
    message = "weight must be a finite number",
    fieldPath = ".weight")
public record MergeSource(
    @JsonPropertyDescription("Name of a LoraAdapter of the same base model.")
        @Required
        @Size(max = 63)
        String adapter,
    @JsonPropertyDescription("Weight of this adapter's delta; negative values subtract it.")
        @Default("1.0")
        Double weight) {}
