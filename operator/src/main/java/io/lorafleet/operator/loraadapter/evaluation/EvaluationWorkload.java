package io.lorafleet.operator.loraadapter.evaluation;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutEvaluationSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.operator.jobs.RunFailurePolicy;
import io.lorafleet.operator.reconcile.CredentialMounts;
import io.lorafleet.operator.reconcile.Owners;
import io.lorafleet.operator.reconcile.PodResources;
import io.lorafleet.operator.reconcile.PodSecurity;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Job that runs the evaluation gate of one canary: {@code trainer eval} on the base model, the
 * stable version and the candidate, with the spec's datasets and thresholds. A pure function of the
 * adapter, its BaseModel and status.rollout. Least privilege as the other trainer Jobs: no
 * ServiceAccount token, non-root, no capabilities, and a read-only root file system (the image
 * writes only under /tmp, an emptyDir). Credentials are Secret files mounted read-only; only their
 * directories appear in the arguments.
 */
public final class EvaluationWorkload {
  /** The trainer image's exit codes that no retry can change: bad input, a failed gate. */
  static final List<Integer> FINAL_EXIT_CODES = List.of(2, 3);

  /** Retries of transient failures (an object store that did not answer, an OOM kill). */
  static final int BACKOFF_LIMIT = 2;

  private EvaluationWorkload() {}

  public static Job job(
      String image,
      LoraAdapter adapter,
      BaseModel base,
      RolloutStatus rollout,
      EvaluationDataset dataset) {
    RolloutEvaluationSpec spec = adapter.getSpec().rollout().canary().evaluation();
    SecretReference safetyCredentials = spec.credentialsSecretRef();
    SecretReference modelCredentials = base.getSpec().source().credentialsSecretRef();
    SecretReference adapterCredentials = adapter.getSpec().artifact().credentialsSecretRef();
    CredentialMounts credentials =
        CredentialMounts.of(
            Stream.of(
                safetyCredentials, dataset.credentials(), modelCredentials, adapterCredentials));
    String name = EvaluationResources.jobName(adapter, rollout.canaryDigest());
    var labels = EvaluationResources.labels(adapter, rollout.canaryDigest());
    return new JobBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(adapter.getMetadata().getNamespace())
                .withLabels(labels)
                // Owned by the adapter: deleting it removes its evaluations.
                .withOwnerReferences(Owners.controller(adapter))
                .build())
        .withNewSpec()
        .withBackoffLimit(BACKOFF_LIMIT)
        .withPodFailurePolicy(
            RunFailurePolicy.of(
                EvaluationResources.CONTAINER, FINAL_EXIT_CODES.toArray(Integer[]::new)))
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName(EvaluationResources.CONTAINER)
        .withImage(image)
        .withArgs(
            args(
                spec,
                dataset,
                base,
                rollout,
                CredentialMounts.directory(safetyCredentials),
                CredentialMounts.directory(modelCredentials),
                CredentialMounts.directory(adapterCredentials)))
        .addToVolumeMounts(
            new VolumeMountBuilder().withName("scratch").withMountPath("/tmp").build())
        .addAllToVolumeMounts(credentials.mounts())
        // The verdict is the termination message; a crash leaves the log's tail there instead.
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withSecurityContext(PodSecurity.container(true))
        .withResources(PodResources.of(spec.resources(), PodResources.JVM))
        .endContainer()
        .withSecurityContext(PodSecurity.pod())
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .addToVolumes(
            new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build())
        .addAllToVolumes(credentials.volumes())
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * {@code trainer eval}'s arguments; a threshold the spec leaves unset keeps the trainer's. The
   * safety dataset is read with the spec's credentials, the scored rows with {@code dataset}'s.
   */
  static List<String> args(
      RolloutEvaluationSpec spec,
      EvaluationDataset dataset,
      BaseModel base,
      RolloutStatus rollout,
      String safetyCredentials,
      String modelCredentials,
      String adapterCredentials) {
    List<String> args = new ArrayList<>();
    args.add("eval");
    add(args, "--model", base.getSpec().source().uri());
    add(args, "--stable", rollout.stableVersion());
    add(args, "--candidate", rollout.canaryVersion());
    add(args, "--dataset", dataset.uri());
    add(args, "--dataset-digest", dataset.digest());
    add(args, "--format", format(dataset.format()));
    add(args, "--max-sequence-length", dataset.maxSequenceLength());
    add(args, "--safety-dataset", spec.safetyDatasetUri());
    if (spec.safetyDatasetUri() != null) {
      add(args, "--safety-format", format(spec.format()));
    }
    add(args, "--match", spec.match() == RolloutEvaluationSpec.Match.REGEX ? "regex" : "substring");
    add(args, "--refusal-regex", spec.refusalRegex());
    add(args, "--max-loss-increase", spec.maxLossIncrease());
    add(args, "--max-match-drop", spec.maxMatchDrop());
    add(args, "--max-refusal-drop", spec.maxRefusalDrop());
    add(args, "--min-loss-gain-over-base", spec.minLossGainOverBase());
    add(args, "--credentials-dir", safetyCredentials);
    add(args, "--dataset-credentials-dir", CredentialMounts.directory(dataset.credentials()));
    add(args, "--model-credentials-dir", modelCredentials);
    add(args, "--adapter-credentials-dir", adapterCredentials);
    add(args, "--work-dir", "/tmp/eval");
    return args;
  }

  private static String format(DatasetFormat format) {
    return format == DatasetFormat.CHAT ? "chat" : "prompt-completion";
  }

  private static void add(List<String> args, String flag, Object value) {
    if (value != null) {
      args.add(flag);
      args.add(value.toString());
    }
  }
}
