package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The latest complete checkpoint, from which a replaced pod resumes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Checkpoint(
    @JsonPropertyDescription("Step of the checkpoint.") Long step,
    @JsonPropertyDescription("S3 URI of the checkpoint directory.") String uri) {}
