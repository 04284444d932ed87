package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The weight shape of one linear module kind, the same in every layer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinearModuleShape(
    @JsonPropertyDescription("Module name as PEFT targets it, e.g. q_proj.") String name,
    @JsonPropertyDescription("Output features (rows of the weight).") Long outFeatures,
    @JsonPropertyDescription("Input features (columns of the weight).") Long inFeatures) {}
