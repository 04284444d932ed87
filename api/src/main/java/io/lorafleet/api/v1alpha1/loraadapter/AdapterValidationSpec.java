package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** What a load must prove before the adapter counts as Ready. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AdapterValidationSpec(
    @JsonPropertyDescription(
            "Every load runs a fixed probe prompt with and without the adapter; an adapter whose"
                + " logits equal the base model's (all lora_B zero, as freshly initialised, or"
                + " silently ignored modules) is not Ready, with reason NoEffect. Set true to"
                + " serve such an adapter on purpose.")
        @Default("false")
        Boolean allowNoEffect) {}
