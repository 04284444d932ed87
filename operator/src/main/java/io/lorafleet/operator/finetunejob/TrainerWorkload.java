package io.lorafleet.operator.finetunejob;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.jobs.RunFailurePolicy;
import io.lorafleet.operator.reconcile.CoreTypes;
import io.lorafleet.operator.reconcile.CredentialMounts;
import io.lorafleet.operator.reconcile.PodResources;
import io.lorafleet.operator.reconcile.PodSecurity;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The desired trainer ConfigMap and Job of a FineTuneJob: pure functions, unit-testable. */
public final class TrainerWorkload {
  private static final ObjectMapper JSON =
      Serialization.jsonMapper().copy().enable(SerializationFeature.INDENT_OUTPUT);

  private TrainerWorkload() {}

  public static ConfigMap configMap(FineTuneJob job, BaseModel base) {
    try {
      return new ConfigMapBuilder()
          .withNewMetadata()
          .withName(FineTuneJobResources.trainerName(job))
          .withNamespace(job.getMetadata().getNamespace())
          .withLabels(FineTuneJobResources.labels(job))
          .endMetadata()
          .addToData(
              FineTuneJobResources.CONFIG_KEY,
              JSON.writeValueAsString(TrainerConfigs.of(job, base)))
          .build();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("trainer config cannot be serialized", e);
    }
  }

  public static Job job(FineTuneJob job, BaseModel base, OperatorConfig config) {
    var spec = job.getSpec();
    String name = FineTuneJobResources.trainerName(job);
    return new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(job.getMetadata().getNamespace())
        .withLabels(FineTuneJobResources.labels(job))
        .endMetadata()
        .withNewSpec()
        .withSuspend(Boolean.TRUE.equals(spec.suspend()))
        .withBackoffLimit(spec.backoffLimit())
        .withActiveDeadlineSeconds(spec.activeDeadlineSeconds())
        // Bad input fails at once; anything else is retried up to backoffLimit, resuming from
        // the last checkpoint.
        .withPodFailurePolicy(RunFailurePolicy.of("trainer", FineTuneJobResources.EXIT_BAD_INPUT))
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(FineTuneJobResources.labels(job))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("trainer")
        .withImage(spec.image() != null ? spec.image() : config.trainerImage())
        .withArgs(
            "train",
            "--config",
            FineTuneJobResources.CONFIG_DIR + "/" + FineTuneJobResources.CONFIG_KEY)
        // Defaults for what the spec leaves out; the trainer's JVM takes 80 % of the memory limit.
        .withResources(PodResources.of(spec.resources(), PodResources.JVM))
        .withVolumeMounts(mounts(job, base))
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withSecurityContext(PodSecurity.container(true))
        .endContainer()
        .withSecurityContext(PodSecurity.pod())
        .withAutomountServiceAccountToken(false)
        .withVolumes(volumes(job, base))
        .withNodeSelector(spec.nodeSelector())
        .withTolerations(CoreTypes.tolerations(spec.tolerations()))
        .withEnableServiceLinks(false)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** Every Secret the run reads from: base model, dataset and output. */
  static CredentialMounts credentials(FineTuneJob job, BaseModel base) {
    return CredentialMounts.of(
        Stream.of(
            base.getSpec().source().credentialsSecretRef(),
            job.getSpec().dataset().credentialsSecretRef(),
            job.getSpec().output().credentialsSecretRef()));
  }

  private static List<VolumeMount> mounts(FineTuneJob job, BaseModel base) {
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(
        new VolumeMountBuilder()
            .withName("config")
            .withMountPath(FineTuneJobResources.CONFIG_DIR)
            .withReadOnly(true)
            .build());
    mounts.add(new VolumeMountBuilder().withName("scratch").withMountPath("/tmp").build());
    mounts.addAll(credentials(job, base).mounts());
    return mounts;
  }

  private static List<Volume> volumes(FineTuneJob job, BaseModel base) {
    List<Volume> volumes = new ArrayList<>();
    volumes.add(
        new VolumeBuilder()
            .withName("config")
            .withNewConfigMap()
            .withName(FineTuneJobResources.trainerName(job))
            .endConfigMap()
            .build());
    volumes.add(new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build());
    volumes.addAll(credentials(job, base).volumes());
    return volumes;
  }
}
