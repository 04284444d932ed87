package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The trainer's latest progress report (progress.json). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingProgress(
    @JsonPropertyDescription("Optimiser steps done.") Long step,
    @JsonPropertyDescription("Optimiser steps in the run.") Long totalSteps,
    @JsonPropertyDescription("Completed steps as a percentage, e.g. 42%.") String percent,
    @JsonPropertyDescription("Fractional epoch.") Double epoch,
    @JsonPropertyDescription("Training loss (moving average).") Double loss,
    @JsonPropertyDescription("Loss on the validation split at the last evaluation.")
        Double evalLoss,
    @JsonPropertyDescription("Training throughput in tokens per second.") Double tokensPerSecond,
    @JsonPropertyDescription("Estimated time to finish, e.g. 1h12m.") String eta,
    @JsonPropertyDescription("When the trainer wrote this report (RFC 3339).") String updatedAt) {}
