package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;

/** What model to serve and how its serving pool runs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BaseModelSpec(
    @JsonPropertyDescription(
            "Where the model is: an HF-format directory (config.json, *.safetensors,"
                + " tokenizer.json) in object storage.")
        @Required
        ArtifactSource source,
    @JsonPropertyDescription("The pool of serving pods shared by this model's adapters.")
        @Default(ServingSpec.DEFAULT)
        ServingSpec serving) {}
