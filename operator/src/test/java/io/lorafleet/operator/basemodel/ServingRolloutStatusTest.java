package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.operator.testing.ClusterTestBase;
import io.lorafleet.operator.testing.MockServerCrds;
import io.lorafleet.operator.testing.TestOperatorConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review T4: a BaseModel is Ready only when its serving Deployment has rolled out the current
 * template (observedGeneration, updatedReplicas, availableReplicas, no old pod left), and a pod
 * that cannot start is named by its cause. The Deployment's status and the pods' states are written
 * here as the Deployment controller and the kubelet would write them.
 *
 * <p>Kept on the Fabric8 mock: the test writes intermediate rollout and container states by hand,
 * and on the real control plane their owners rewrite them (the Deployment controller the
 * Deployment's status on its next sync, the kubelet stand-in the status of every pod it runs). Some
 * of the states cannot be produced there at all: the stand-in runs local images, so nothing is ever
 * pulled (no ImagePullBackOff), and enforces no memory limit, so no container is OOMKilled; and a
 * Deployment reports ProgressDeadlineExceeded only after its progressDeadlineSeconds (600 s by
 * default). The operator's reading of these states is the logic under test.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class ServingRolloutStatusTest extends ClusterTestBase {

  @Test
  void readyOnlyAfterTheRolloutAndAStuckPodIsNamedByItsCause() {
    baseModel("base");
    awaitCondition(ConditionType.Ready, "True", "Available");
    Deployment deployment = deployment();

    // A rollout in progress: the old pod is still ready, the new one is not there yet.
    deployment.setStatus(
        new DeploymentStatusBuilder(deployment.getStatus())
            .withReplicas(2)
            .withUpdatedReplicas(1)
            .withReadyReplicas(1)
            .withAvailableReplicas(1)
            .build());
    client.apps().deployments().resource(deployment).updateStatus();
    Condition rolling = awaitCondition(ConditionType.Ready, "False", "RollingOut");
    assertThat(rolling.message()).contains("1/1 pods updated").contains("1 old");

    // The new pod: first not schedulable, then its image cannot be pulled, then it crash-loops.
    Pod stuck = newPod();
    setStatus(
        stuck,
        List.of(
            new PodConditionBuilder()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")
                .build()),
        null);
    Condition unschedulable = awaitCondition(ConditionType.Degraded, "True", "Unschedulable");
    assertThat(unschedulable.message()).contains("serving-base-new").contains("nvidia.com/gpu");

    setStatus(
        stuck,
        List.of(),
        new ContainerStatusBuilder()
            .withName("server")
            .withImage("registry.example/server:typo")
            .withNewState()
            .withNewWaiting()
            .withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image")
            .endWaiting()
            .endState()
            .build());
    Condition pull = awaitCondition(ConditionType.Degraded, "True", "ImagePullBackOff");
    assertThat(pull.message()).contains("registry.example/server:typo");

    setStatus(
        stuck,
        List.of(),
        new ContainerStatusBuilder()
            .withName("server")
            .withImage("server")
            .withRestartCount(4)
            .withNewState()
            .withNewWaiting()
            .withReason("CrashLoopBackOff")
            .endWaiting()
            .endState()
            .withNewLastState()
            .withNewTerminated()
            .withExitCode(137)
            .withReason("OOMKilled")
            .endTerminated()
            .endLastState()
            .build());
    Condition crash = awaitCondition(ConditionType.Degraded, "True", "CrashLoopBackOff");
    assertThat(crash.message()).contains("137").contains("OOMKilled");

    // The Deployment controller gives up: the rollout stops progressing, still named by its cause.
    deployment = deployment();
    deployment.setStatus(
        new DeploymentStatusBuilder(deployment.getStatus())
            .withConditions(
                new DeploymentConditionBuilder()
                    .withType("Progressing")
                    .withStatus("False")
                    .withReason("ProgressDeadlineExceeded")
                    .withMessage("ReplicaSet \"serving-base-new\" has timed out progressing.")
                    .build())
            .build());
    client.apps().deployments().resource(deployment).updateStatus();
    Condition stalled = awaitCondition(ConditionType.Progressing, "False", "CrashLoopBackOff");
    assertThat(stalled.message()).contains("progress deadline");

    // Rolled out: the stuck pod is gone, every pod updated and available.
    client.pods().inNamespace(namespace).withName("serving-base-new").delete();
    deployment = deployment();
    deployment.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(deployment.getMetadata().getGeneration())
            .withReplicas(1)
            .withUpdatedReplicas(1)
            .withReadyReplicas(1)
            .withAvailableReplicas(1)
            .build());
    client.apps().deployments().resource(deployment).updateStatus();
    awaitCondition(ConditionType.Ready, "True", "Available");
    awaitCondition(ConditionType.Degraded, "False", "AsExpected");
  }

  @Test
  void aGpuPoolCanRollOutWithoutASurgePod() {
    BaseModel model =
        Serialization.unmarshal(
            """
            apiVersion: lorafleet.io/v1alpha1
            kind: BaseModel
            metadata: {name: gpu, namespace: team-a}
            spec:
              source: {uri: s3://models/tiny}
              serving:
                adapterSlots: {maxLoaded: 4, maxCached: 16, maxRank: 32}
                replicas: 2
                rollout: {maxSurge: 0}
            """,
            BaseModel.class);
    var strategy =
        ServingWorkload.deployment(model, new TestOperatorConfig()).getSpec().getStrategy();
    assertThat(strategy).isNotNull();
    assertThat(strategy.getType()).isEqualTo("RollingUpdate");
    assertThat(strategy.getRollingUpdate().getMaxSurge().getIntVal()).isZero();
    // 25 % of a small pool rounds down to 0, and 0/0 is refused by the API server.
    assertThat(strategy.getRollingUpdate().getMaxUnavailable().getIntVal()).isEqualTo(1);
  }

  private Deployment deployment() {
    return client.apps().deployments().inNamespace(namespace).withName("serving-base").get();
  }

  /** A second pod of the pool's ReplicaSet, as a rollout creates it. */
  private Pod newPod() {
    Pod existing =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(BaseModelResources.BASE_MODEL, "base")
            .list()
            .getItems()
            .getFirst();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("serving-base-new")
            .withNamespace(namespace)
            .withLabels(existing.getMetadata().getLabels())
            .withOwnerReferences(existing.getMetadata().getOwnerReferences())
            .endMetadata()
            .withSpec(existing.getSpec())
            .build();
    return client.pods().inNamespace(namespace).resource(pod).create();
  }

  private void setStatus(
      Pod pod, List<PodCondition> conditions, io.fabric8.kubernetes.api.model.ContainerStatus c) {
    Pod current = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
    current.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder()
            .withPhase("Pending")
            .withConditions(conditions)
            .withContainerStatuses(c == null ? List.of() : List.of(c))
            .build());
    client.pods().inNamespace(namespace).resource(current).updateStatus();
  }

  private Condition awaitCondition(ConditionType type, String status, String reason) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              BaseModel model =
                  client.resources(BaseModel.class).inNamespace(namespace).withName("base").get();
              assertThat(model.getStatus()).isNotNull();
              assertThat(model.getStatus().condition(type))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.reason()).hasToString(reason);
                        assertThat(c.isTrue()).isEqualTo("True".equals(status));
                      });
            });
    return client
        .resources(BaseModel.class)
        .inNamespace(namespace)
        .withName("base")
        .get()
        .getStatus()
        .condition(type)
        .orElseThrow();
  }
}
