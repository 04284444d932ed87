package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
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

  /**
   * {@code replicas} pods of {@code pod} labelled {@code labels}, owned through {@code selector}.
   */
  static DeploymentBuilder deployment(
      ObjectMeta metadata,
      Integer replicas,
      Map<String, String> selector,
      Map<String, String> labels,
      PodSpec pod) {
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
        .withSpec(pod)
        .endTemplate()
        .endSpec();
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
