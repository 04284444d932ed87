package io.lorafleet.operator.finetunejob;

import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.reconcile.KubernetesNames;
import java.util.Map;

/** Names, labels and storage locations of everything a FineTuneJob owns or writes. */
public final class FineTuneJobResources {
  public static final String FINE_TUNE_JOB = "lorafleet.io/fine-tune-job";
  public static final String TRAINER = "trainer";

  /** The trainer Job's container. */
  static final String TRAINER_CONTAINER = "trainer";

  public static final String CONFIG_KEY = "trainer.json";
  public static final String CONFIG_DIR = "/etc/lorafleet";

  /** Trainer exit code for bad input (invalid dataset, config): fails the Job without retry. */
  public static final int EXIT_BAD_INPUT = 2;

  private FineTuneJobResources() {}

  /** The batch/v1 Job and the ConfigMap with its config. */
  public static String trainerName(FineTuneJob job) {
    return KubernetesNames.label("train-", job.getMetadata().getName());
  }

  public static Map<String, String> labels(FineTuneJob job) {
    return Map.of(
        BaseModelResources.COMPONENT,
        TRAINER,
        FINE_TUNE_JOB,
        job.getMetadata().getName(),
        BaseModelResources.MANAGED_BY,
        BaseModelResources.OPERATOR);
  }

  /** Versions of the output adapter: {prefix}/{namespace}/adapters/{adapterName}/. */
  public static S3Uri versions(FineTuneJob job) {
    return S3Uri.parse(job.getSpec().output().artifactPrefix())
        .child(job.getMetadata().getNamespace())
        .child("adapters")
        .child(job.getSpec().output().adapterName());
  }

  /**
   * progress.json, result.json and checkpoints/: {prefix}/{namespace}/finetunejobs/{name}/{uid}/.
   */
  public static S3Uri runDirectory(FineTuneJob job) {
    return S3Uri.parse(job.getSpec().output().artifactPrefix())
        .child(job.getMetadata().getNamespace())
        .child("finetunejobs")
        .child(job.getMetadata().getName())
        .child(job.getMetadata().getUid());
  }
}
