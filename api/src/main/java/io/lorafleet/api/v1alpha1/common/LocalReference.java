package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A reference to another Lorafleet resource in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.name.size() <= 63 && self.name.matches(" + Validation.DNS_LABEL_PATTERN + ")",
    message = "name " + Validation.DNS_LABEL_MESSAGE,
    fieldPath = ".name")
public record LocalReference(
    @JsonPropertyDescription("Name of the referenced resource in the same namespace.")
        @Required
        @Size(max = 63)
        String name) {}
