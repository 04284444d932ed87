package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The model's architecture as read from its config.json. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResolvedArchitecture(
    @JsonPropertyDescription("HF architecture, e.g. LlamaForCausalLM.") String architecture,
    @JsonPropertyDescription("HF model_type, e.g. llama, mistral, qwen2.") String modelType,
    @JsonPropertyDescription("Hidden size.") Long hiddenSize,
    @JsonPropertyDescription("MLP intermediate size.") Long intermediateSize,
    @JsonPropertyDescription("Number of decoder layers.") Long numLayers,
    @JsonPropertyDescription("Attention heads.") Long numAttentionHeads,
    @JsonPropertyDescription("Key/value heads (fewer than attention heads with GQA).")
        Long numKeyValueHeads,
    @JsonPropertyDescription("Vocabulary size.") Long vocabSize,
    @JsonPropertyDescription("Weight dtype, e.g. bfloat16.") String dtype,
    @JsonPropertyDescription("Linear modules an adapter may target, with their shapes.")
        List<LinearModuleShape> linearModules) {}
