package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.LorafleetStatus;
import java.util.List;

/** The run's phase, progress and result. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FineTuneJobStatus(
    @JsonPropertyDescription("metadata.generation this status describes.") Long observedGeneration,
    @JsonPropertyDescription("Ready (succeeded), Progressing and Degraded.")
        List<Condition> conditions,
    @JsonPropertyDescription("Pending, Running, Succeeded, Failed or Suspended.")
        FineTuneJobPhase phase,
    @JsonPropertyDescription("The batch/v1 Job running the trainer.") String jobName,
    @JsonPropertyDescription("When training started (RFC 3339).") String startTime,
    @JsonPropertyDescription("When the run succeeded or failed (RFC 3339).") String completionTime,
    @JsonPropertyDescription("Latest progress report.") TrainingProgress progress,
    @JsonPropertyDescription("Latest complete checkpoint.") Checkpoint lastCheckpoint,
    @JsonPropertyDescription("The published adapter, once the run succeeded.")
        TrainedAdapter output)
    implements LorafleetStatus {

  /** The same observations with a newly decided phase and conditions. */
  public FineTuneJobStatus withPhaseAndConditions(
      long generation, FineTuneJobPhase newPhase, List<Condition> newConditions) {
    return new FineTuneJobStatus(
        generation,
        newConditions,
        newPhase,
        jobName,
        startTime,
        completionTime,
        progress,
        lastCheckpoint,
        output);
  }
}
