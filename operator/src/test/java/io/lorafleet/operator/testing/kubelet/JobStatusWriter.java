package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;

/** Writes a Job's status as the Job controller does: active, then Complete or Failed. */
public final class JobStatusWriter {
  private final KubernetesClient client;

  public JobStatusWriter(KubernetesClient client) {
    this.client = client;
  }

  public void running(Job job, int failedSoFar) {
    write(job, new JobStatusBuilder().withActive(1).withFailed(failedSoFar), null, null);
  }

  public void complete(Job job) {
    write(
        job,
        new JobStatusBuilder()
            .withActive(0)
            .withSucceeded(1)
            .withCompletionTime(Instant.now().toString()),
        "Complete",
        "Completed");
  }

  /** Failed for good: {@code reason} PodFailurePolicy (bad input) or BackoffLimitExceeded. */
  public void failed(Job job, int failed, String reason) {
    write(job, new JobStatusBuilder().withActive(0).withFailed(failed), "Failed", reason);
  }

  private void write(Job job, JobStatusBuilder status, String condition, String reason) {
    Job current =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(job.getMetadata().getNamespace())
            .withName(job.getMetadata().getName())
            .get();
    if (current == null) {
      return; // deleted meanwhile
    }
    status.withStartTime(
        current.getStatus() != null && current.getStatus().getStartTime() != null
            ? current.getStatus().getStartTime()
            : Instant.now().toString());
    if (condition != null) {
      status.addToConditions(
          new JobConditionBuilder()
              .withType(condition)
              .withStatus("True")
              .withReason(reason)
              .withMessage("trainer " + reason)
              .build());
    }
    current.setStatus(status.build());
    client.batch().v1().jobs().resource(current).updateStatus();
  }
}
