package io.lorafleet.operator.testing.kubelet;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Objects;

/** The Deployment controller's side of a serving pool: ready Pods on loopback, ready status. */
public final class ReadyPod {
  private ReadyPod() {}

  /**
   * A ready Pod of the Deployment whose "http" port is {@code port} on 127.0.0.1, owned as the
   * Deployment controller owns its pods: Pod → ReplicaSet → Deployment (controller references).
   */
  public static Pod create(KubernetesClient client, Deployment deployment, String name, int port) {
    ReplicaSet replicaSet = replicaSetOf(client, deployment);
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(deployment.getMetadata().getNamespace())
            .withLabels(deployment.getSpec().getTemplate().getMetadata().getLabels())
            .withOwnerReferences(controllerReference(replicaSet))
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

  /** The Deployment's one ReplicaSet (the fake does no rollouts), created on first use. */
  private static ReplicaSet replicaSetOf(KubernetesClient client, Deployment deployment) {
    String namespace = deployment.getMetadata().getNamespace();
    String name = deployment.getMetadata().getName() + "-fake";
    ReplicaSet existing = client.apps().replicaSets().inNamespace(namespace).withName(name).get();
    if (existing != null) {
      return existing;
    }
    return client
        .apps()
        .replicaSets()
        .inNamespace(namespace)
        .resource(
            new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .withOwnerReferences(controllerReference(deployment))
                .endMetadata()
                .withNewSpec()
                .withReplicas(deployment.getSpec().getReplicas())
                .withSelector(deployment.getSpec().getSelector())
                .withTemplate(deployment.getSpec().getTemplate())
                .endSpec()
                .build())
        .create();
  }

  private static OwnerReference controllerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion("apps/v1")
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
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
    // A finished rollout, as the Deployment controller reports it: every pod updated and ready.
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withReplicas(wanted)
            .withUpdatedReplicas(wanted)
            .withReadyReplicas(wanted)
            .withAvailableReplicas(wanted)
            .withObservedGeneration(deployment.getMetadata().getGeneration())
            .build());
    client.apps().deployments().resource(deployment).updateStatus();
  }
}
