package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Objects;

/** The Deployment controller's side of a serving pool: ready Pods on loopback, ready status. */
public final class ReadyPod {
  private ReadyPod() {}

  /** A ready Pod of the Deployment whose "http" port is {@code port} on 127.0.0.1. */
  public static Pod create(KubernetesClient client, Deployment deployment, String name, int port) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(deployment.getMetadata().getNamespace())
            .withLabels(deployment.getSpec().getTemplate().getMetadata().getLabels())
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("server")
            .withImage(
                deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
            .addNewPort()
            .withName("http")
            .withContainerPort(port)
            .endPort()
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPodIP("127.0.0.1")
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();
    return client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
  }

  public static List<Pod> podsOf(KubernetesClient client, Deployment deployment) {
    return client
        .pods()
        .inNamespace(deployment.getMetadata().getNamespace())
        .withLabels(deployment.getSpec().getSelector().getMatchLabels())
        .list()
        .getItems();
  }

  /** Marks the Deployment's replicas ready, unless its status already says so. */
  public static void markReady(KubernetesClient client, Deployment deployment) {
    Integer wanted = deployment.getSpec().getReplicas();
    if (deployment.getStatus() != null
        && Objects.equals(deployment.getStatus().getReadyReplicas(), wanted)) {
      return;
    }
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withReplicas(wanted)
            .withReadyReplicas(wanted)
            .withAvailableReplicas(wanted)
            .withObservedGeneration(deployment.getMetadata().getGeneration())
            .build());
    client.apps().deployments().resource(deployment).updateStatus();
  }
}
