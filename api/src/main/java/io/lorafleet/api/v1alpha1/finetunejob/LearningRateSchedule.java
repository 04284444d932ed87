package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The learning rate after warm-up. */
public enum LearningRateSchedule {
  /** Cosine decay to zero over the remaining steps. */
  @JsonProperty("cosine")
  COSINE,
  /** The peak rate until the end. */
  @JsonProperty("constant")
  CONSTANT
}
