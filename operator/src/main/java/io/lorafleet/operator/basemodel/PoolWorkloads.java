package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.Map;

/**
 * The shapes a pool's serving and router workloads share ({@link ServingWorkload}, {@link
 * RouterWorkload}): the Deployment around a pod spec, the HTTP port and probes of their containers,
 * and the HTTP port of their Services.
 */
final class PoolWorkloads {
  /** The name of every pool container's HTTP port; Services and probes refer to it by name. */
  static final String HTTP = "http";

  private PoolWorkloads() {}

  /** The node label a pool's pods spread over. */
  static final String HOSTNAME = "kubernetes.io/hostname";

  /**
   * {@code replicas} pods of {@code pod} labelled {@code labels}, owned through {@code selector},
   * spread over nodes where the scheduler can: one node's loss (a crash, a drain) then takes as few
   * of the pool's pods as the nodes allow. Soft ({@code ScheduleAnyway}), so a one-node cluster or
   * a pool pinned to few GPU nodes still schedules; counted per ReplicaSet ({@code
   * pod-template-hash}), so the old pods of a rollout do not skew where the new ones go.
   */
  static DeploymentBuilder deployment(
      ObjectMeta metadata,
      Integer replicas,
      Map<String, String> selector,
      Map<String, String> labels,
      PodSpec pod) {
    PodSpec spread =
        new PodSpecBuilder(pod)
            .withTopologySpreadConstraints(
                new TopologySpreadConstraintBuilder()
                    .withMaxSkew(1)
                    .withTopologyKey(HOSTNAME)
                    .withWhenUnsatisfiable("ScheduleAnyway")
                    .withNewLabelSelector()
                    .withMatchLabels(selector)
                    .endLabelSelector()
                    .withMatchLabelKeys("pod-template-hash")
                    .build())
            .build();
    return new DeploymentBuilder()
        .withMetadata(metadata)
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(selector)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(spread)
        .endTemplate()
        .endSpec();
  }

  /** A PodDisruptionBudget that lets evictions take the selected pods one at a time. */
  static PodDisruptionBudget oneAtATime(ObjectMeta metadata, Map<String, String> selector) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(metadata)
        .withNewSpec()
        .withMaxUnavailable(new IntOrString(1))
        .withNewSelector()
        .withMatchLabels(selector)
        .endSelector()
        .endSpec()
        .build();
  }

  static ContainerPort httpPort(int port) {
    return new ContainerPortBuilder().withName(HTTP).withContainerPort(port).build();
  }

  /** A Service's port {@code port}, named like the containers' and forwarded to theirs. */
  static ServicePort httpServicePort(int port) {
    return new ServicePortBuilder().withName(HTTP).withPort(port).withNewTargetPort(HTTP).build();
  }

  /** A GET of {@code path} on the HTTP port every {@code periodSeconds}. */
  static ProbeBuilder httpProbe(String path, int periodSeconds) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withNewPort(HTTP)
        .endHttpGet()
        .withPeriodSeconds(periodSeconds);
  }
}
