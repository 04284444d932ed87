package io.lorafleet.operator.finetunejob;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.lorafleet.api.v1alpha1.finetunejob.Checkpoint;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobStatus;
import io.lorafleet.api.v1alpha1.finetunejob.TrainedAdapter;
import io.lorafleet.api.v1alpha1.finetunejob.TrainingProgress;
import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import java.time.Duration;

/** The run as observed: the trainer Job's times and the trainer's own reports. */
final class FineTuneJobObservation {
  private FineTuneJobObservation() {}

  static FineTuneJobStatus of(
      FineTuneJobStatus previous, Job trainer, RunProgress progress, TrainedAdapter output) {
    TrainingProgress shown = progress == null ? previousProgress(previous) : progress(progress);
    Checkpoint checkpoint =
        progress != null && progress.lastCheckpoint() != null
            ? new Checkpoint(progress.lastCheckpoint().step(), progress.lastCheckpoint().uri())
            : previous == null ? null : previous.lastCheckpoint();
    return new FineTuneJobStatus(
        null,
        null,
        null,
        trainer == null ? null : trainer.getMetadata().getName(),
        trainer == null || trainer.getStatus() == null ? null : trainer.getStatus().getStartTime(),
        trainer == null || trainer.getStatus() == null
            ? null
            : trainer.getStatus().getCompletionTime(),
        shown,
        checkpoint,
        output != null ? output : previous == null ? null : previous.output());
  }

  private static TrainingProgress previousProgress(FineTuneJobStatus previous) {
    return previous == null ? null : previous.progress();
  }

  static TrainingProgress progress(RunProgress p) {
    String percent =
        p.step() != null && p.totalSteps() != null && p.totalSteps() > 0
            ? (p.step() * 100 / p.totalSteps()) + "%"
            : null;
    return new TrainingProgress(
        p.step(),
        p.totalSteps(),
        percent,
        p.epoch(),
        p.loss(),
        p.evalLoss(),
        p.tokensPerSecond(),
        p.etaSeconds() == null ? null : eta(Duration.ofSeconds(p.etaSeconds())),
        p.updatedAt());
  }

  /** 1h12m, 4m30s, 12s. */
  static String eta(Duration d) {
    if (d.toHours() > 0) {
      return d.toHours() + "h" + d.toMinutesPart() + "m";
    }
    if (d.toMinutes() > 0) {
      return d.toMinutes() + "m" + d.toSecondsPart() + "s";
    }
    return d.toSeconds() + "s";
  }
}
