package io.lorafleet.api.v1alpha1.jobs;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * progress.json in a run directory: written by the trainer at most every few seconds, read by the
 * operator into the FineTuneJob's status. {@code epoch} is fractional (1.5 = half-way through the
 * second pass). Fields are boxed because the reader must accept a file that lacks them; unknown
 * fields are ignored so newer trainers work with older operators.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunProgress(
    Long step,
    Long totalSteps,
    Double epoch,
    Double loss,
    Double evalLoss,
    Double tokensPerSecond,
    Long etaSeconds,
    Checkpoint lastCheckpoint,
    String updatedAt) {

  /** The file's name in the run directory. */
  public static final String FILE = "progress.json";

  /** The newest checkpoint: the optimizer step it holds and where it is. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Checkpoint(Long step, String uri) {}
}
