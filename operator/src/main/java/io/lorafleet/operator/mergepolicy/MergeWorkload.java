package io.lorafleet.operator.mergepolicy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.jobs.MergeConfig;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.jobs.RunFailurePolicy;
import io.lorafleet.operator.reconcile.CoreTypes;
import io.lorafleet.operator.reconcile.CredentialMounts;
import io.lorafleet.operator.reconcile.Owners;
import io.lorafleet.operator.reconcile.PodResources;
import io.lorafleet.operator.reconcile.PodSecurity;
import io.lorafleet.operator.storage.Versions;
import java.util.List;
import java.util.stream.Stream;

/** The ConfigMap and Job of one merge: pure functions of the policy and its pinned sources. */
public final class MergeWorkload {
  static final String CONFIG_DIR = "/etc/lorafleet";

  /** The trainer image's exit code for bad input; such a merge is not retried. */
  static final int EXIT_BAD_INPUT = 2;

  private MergeWorkload() {}

  /** The exact version directory of a Ready adapter, from its spec URI and resolved digest. */
  static MergeConfig.Source source(LoraAdapter adapter, double weight) {
    String digest = adapter.getStatus().digest();
    return new MergeConfig.Source(
        adapter.getMetadata().getName(),
        Versions.directory(adapter.getSpec().artifact().uri(), digest),
        digest,
        weight,
        CredentialMounts.directory(adapter.getSpec().artifact().credentialsSecretRef()));
  }

  static ConfigMap configMap(MergePolicy policy, String key, MergeConfig config) {
    try {
      return new ConfigMapBuilder()
          .withMetadata(metadata(policy, key))
          .addToData(
              MergePolicyResources.CONFIG_KEY,
              Serialization.jsonMapper()
                  .copy()
                  .enable(SerializationFeature.INDENT_OUTPUT)
                  .writeValueAsString(config))
          .build();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("merge config cannot be serialized", e);
    }
  }

  public static Job job(
      MergePolicy policy,
      String key,
      BaseModel base,
      List<LoraAdapter> sources,
      OperatorConfig operator) {
    CredentialMounts credentials =
        CredentialMounts.of(
            Stream.concat(
                Stream.of(
                    base.getSpec().source().credentialsSecretRef(),
                    policy.getSpec().output().credentialsSecretRef()),
                sources.stream().map(s -> s.getSpec().artifact().credentialsSecretRef())));
    String name = MergePolicyResources.mergeName(policy, key);
    return new JobBuilder()
        .withMetadata(metadata(policy, key))
        .withNewSpec()
        .withBackoffLimit(2)
        .withPodFailurePolicy(RunFailurePolicy.of("merge", EXIT_BAD_INPUT))
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(MergePolicyResources.labels(policy, key))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("merge")
        .withImage(operator.trainerImage())
        .withArgs("merge", "--config", CONFIG_DIR + "/" + MergePolicyResources.CONFIG_KEY)
        .addToVolumeMounts(
            new VolumeMountBuilder()
                .withName("config")
                .withMountPath(CONFIG_DIR)
                .withReadOnly(true)
                .build(),
            new VolumeMountBuilder().withName("scratch").withMountPath("/tmp").build())
        .addAllToVolumeMounts(credentials.mounts())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withSecurityContext(PodSecurity.container(true))
        // Never BestEffort; the merger's JVM takes 80 % of the memory limit.
        .withResources(PodResources.of(policy.getSpec().resources(), PodResources.JVM))
        .endContainer()
        .withSecurityContext(PodSecurity.pod())
        .withAutomountServiceAccountToken(false)
        .addToVolumes(
            new VolumeBuilder()
                .withName("config")
                .withNewConfigMap()
                .withName(name)
                .endConfigMap()
                .build(),
            new VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build())
        .addAllToVolumes(credentials.volumes())
        .withNodeSelector(policy.getSpec().nodeSelector())
        .withTolerations(CoreTypes.tolerations(policy.getSpec().tolerations()))
        .withEnableServiceLinks(false)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** Owned by the policy, so deleting it removes its merge Jobs and configs. */
  private static ObjectMeta metadata(MergePolicy policy, String key) {
    return new ObjectMetaBuilder()
        .withName(MergePolicyResources.mergeName(policy, key))
        .withNamespace(policy.getMetadata().getNamespace())
        .withLabels(MergePolicyResources.labels(policy, key))
        .withOwnerReferences(Owners.controller(policy))
        .build();
  }
}
