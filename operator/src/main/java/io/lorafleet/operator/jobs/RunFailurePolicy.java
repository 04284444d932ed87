package io.lorafleet.operator.jobs;

import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;

/**
 * The pod failure policy of a run's Job, training or merge: bad input fails the Job at once;
 * anything else is retried up to backoffLimit, resuming from the last checkpoint.
 */
public final class RunFailurePolicy {
  private RunFailurePolicy() {}

  /**
   * @param container the run's container
   * @param badInputExitCode the exit code with which the run says its input is bad
   */
  public static PodFailurePolicy of(String container, int badInputExitCode) {
    return new PodFailurePolicyBuilder()
        .addNewRule()
        .withAction("FailJob")
        .withNewOnExitCodes()
        .withContainerName(container)
        .withOperator("In")
        .withValues(badInputExitCode)
        .endOnExitCodes()
        .endRule()
        // A pod lost to preemption, a node drain or a spot reclaim is not the run's failure: it
        // does not count against backoffLimit (the replacement resumes from the checkpoint).
        .addNewRule()
        .withAction("Ignore")
        .addNewOnPodCondition()
        .withType("DisruptionTarget")
        .withStatus("True")
        .endOnPodCondition()
        .endRule()
        .build();
  }
}
