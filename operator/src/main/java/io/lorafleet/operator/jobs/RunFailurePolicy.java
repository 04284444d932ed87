package io.lorafleet.operator.jobs;

import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;

/**
 * The pod failure policy of a run's Job (training, merge, evaluation): a final exit code (bad
 * input, a failed evaluation gate) fails the Job at once; anything else is retried up to
 * backoffLimit (training and merge resume from their last checkpoint).
 */
public final class RunFailurePolicy {
  private RunFailurePolicy() {}

  /**
   * @param container the run's container
   * @param finalExitCodes the exit codes with which the run says retrying cannot help
   */
  public static PodFailurePolicy of(String container, Integer... finalExitCodes) {
    return new PodFailurePolicyBuilder()
        .addNewRule()
        .withAction("FailJob")
        .withNewOnExitCodes()
        .withContainerName(container)
        .withOperator("In")
        .withValues(finalExitCodes)
        .endOnExitCodes()
        .endRule()
        // A pod lost to preemption, a node drain or a spot reclaim is not the run's failure: it
        // does not count against backoffLimit.
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
