package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** Optimiser, schedule, batch and checkpoint settings (AdamW). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.epochs) != has(self.maxSteps)",
    message = "set exactly one of epochs or maxSteps")
@ValidationRule(
    value = "!has(self.epochs) || (self.epochs >= 1 && self.epochs <= 1000)",
    message = "epochs must be between 1 and 1000",
    fieldPath = ".epochs")
@ValidationRule(
    value = "!has(self.maxSteps) || self.maxSteps >= 1",
    message = "maxSteps must be at least 1",
    fieldPath = ".maxSteps")
@ValidationRule(
    value = "self.learningRate > 0.0",
    message = "learningRate must be greater than 0",
    fieldPath = ".learningRate")
@ValidationRule(
    value = "self.batchSize >= 1 && self.gradientAccumulationSteps >= 1",
    message = "batchSize and gradientAccumulationSteps must be at least 1")
@ValidationRule(
    value = "self.maxSequenceLength >= 16 && self.maxSequenceLength <= 131072",
    message = "maxSequenceLength must be between 16 and 131072",
    fieldPath = ".maxSequenceLength")
@ValidationRule(
    value = "self.warmupSteps >= 0 && self.checkpointInterval >= 1",
    message = "warmupSteps must be at least 0 and checkpointInterval at least 1")
@ValidationRule(
    value = "self.weightDecay >= 0.0 && self.maxGradNorm > 0.0",
    message = "weightDecay must be at least 0 and maxGradNorm greater than 0")
public record TrainingSpec(
    @JsonPropertyDescription("Passes over the training split. Set this or maxSteps.")
        Integer epochs,
    @JsonPropertyDescription("Optimiser steps to run. Set this or epochs.") Long maxSteps,
    @JsonPropertyDescription("Peak learning rate.") @Default("2.0e-4") Double learningRate,
    @JsonPropertyDescription("After linear warm-up: cosine (default) or constant.")
        @Default("cosine")
        LearningRateSchedule schedule,
    @JsonPropertyDescription("Linear warm-up steps.") @Default("0") Integer warmupSteps,
    @JsonPropertyDescription("Sequences per micro-batch.") @Default("8") Integer batchSize,
    @JsonPropertyDescription("Micro-batches per optimiser step.") @Default("1")
        Integer gradientAccumulationSteps,
    @JsonPropertyDescription("Longer records are reported as invalid, not truncated.")
        @Default("1024")
        Integer maxSequenceLength,
    @JsonPropertyDescription("AdamW decoupled weight decay.") @Default("0.0") Double weightDecay,
    @JsonPropertyDescription("Global gradient-norm clipping threshold.") @Default("1.0")
        Double maxGradNorm,
    @JsonPropertyDescription(
            "Seed for initialisation, data order and dropout: the same seed gives the same"
                + " adapter.")
        @Default("42")
        Long seed,
    @JsonPropertyDescription(
            "Optimiser steps between checkpoints; a replaced pod resumes from the last one.")
        @Default("100")
        Integer checkpointInterval) {}
