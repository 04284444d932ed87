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
        ServingSpec serving,
    @JsonPropertyDescription(
            "How the builtin server holds the weights: f32 (default), as-stored (bf16 stays bf16)"
                + " or int8 (linear layers quantized at load to blocks of 32 with one scale each,"
                + " llama.cpp's Q8_0; adapters still applied in full precision; CPU backend only)."
                + " Not passed to the vllm runtime.")
        WeightPrecision precision) {

  /** Without a precision: the server's default (f32). */
  public BaseModelSpec(ArtifactSource source, ServingSpec serving) {
    this(source, serving, null);
  }
}
