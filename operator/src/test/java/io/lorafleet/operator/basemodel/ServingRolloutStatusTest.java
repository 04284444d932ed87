package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.lorafleet.operator.testing.TestOperatorConfig;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.LocalImage;
import io.lorafleet.testcluster.kubelet.ProcessRuntime;
import io.lorafleet.testcluster.kubelet.SimulatedRuntime;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review T4: a BaseModel is Ready only when its serving Deployment has rolled out the current
 * template (observedGeneration, updatedReplicas, availableReplicas, no old pod left), and a pod
 * that cannot start is named by its cause. On the real control plane: every state is produced by
 * its real owner, the test only changes the BaseModel's spec. The Deployment controller rolls out
 * and reports ProgressDeadlineExceeded (after the spec's progressDeadlineSeconds); the scheduler
 * finds no node with 9 GPUs; the kubelet stand-in cannot pull an image its registry lacks; and the
 * real server JVM under a 16 MiB limit is killed by the kernel's OOM killer, again at each restart.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class ServingRolloutStatusTest extends RealClusterTestBase {
  /** A server still loading its model: runs, never ready. */
  private static final String WARMING = "registry.test/lorafleet/server:warming";

  /** The server image's real JVM. */
  private static final String REAL_SERVER = "registry.test/lorafleet/server:real";

  /** Pushed nowhere. */
  private static final String TYPO = "registry.example/lorafleet/server:typo";

  @Override
  protected String namespacePrefix() {
    return "rollout";
  }

  @BeforeAll
  static void runTheTestImages() {
    kubelet.run(
        WARMING,
        SimulatedRuntime.serving(
            SimulatedRuntime.http(
                exchange -> {
                  exchange.sendResponseHeaders(503, -1);
                  exchange.close();
                })));
    TestOperatorConfig config = new TestOperatorConfig();
    LocalImage server = OperatorImages.of(config).apply(config.serverImage());
    kubelet.run(
        REAL_SERVER, new ProcessRuntime(image -> image.equals(REAL_SERVER) ? server : null));
  }

  @Test
  void readyOnlyAfterTheRolloutAndAStuckPodIsNamedByItsCause() {
    baseModel("base");
    awaitCondition(ConditionType.Ready, "True", "Available");

    // A rollout in progress: the old pod is still ready, the new one runs but is not ready.
    patchServing("{\"image\": \"" + WARMING + "\"}");
    awaitCondition(ConditionType.Ready, "False", "RollingOut", "1/1 pods updated", "1 old");

    // The new pod's image is not in the registry: ErrImagePull, then ImagePullBackOff.
    patchServing("{\"image\": \"" + TYPO + "\"}");
    awaitCondition(ConditionType.Degraded, "True", "ImagePullBackOff", TYPO);

    // The real server in 16 MiB: OOMKilled at each start, so crash-looping; after the 10 s
    // progress deadline the Deployment controller gives up, still named by its cause.
    patchServing(
        "{\"image\": \""
            + REAL_SERVER
            + "\", \"resources\": {\"requests\": {\"memory\": \"16Mi\"}},"
            + " \"rollout\": {\"progressDeadlineSeconds\": 10}}");
    awaitCondition(ConditionType.Degraded, "True", "CrashLoopBackOff", "137", "OOMKilled");
    awaitCondition(ConditionType.Progressing, "False", "CrashLoopBackOff", "progress deadline");

    // No node has 9 GPUs: the scheduler says so.
    patchServing(
        "{\"image\": null, \"resources\": {\"requests\": {\"memory\": null, \"nvidia.com/gpu\": 9},"
            + " \"limits\": {\"nvidia.com/gpu\": 9}}}");
    awaitCondition(
        ConditionType.Degraded, "True", "Unschedulable", "serving-base-", "nvidia.com/gpu");

    // Rolled out: the stuck pods are gone, every pod updated and available.
    patchServing("{\"resources\": null}");
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

  @Test
  void theProgressDeadlineIsTheSpecsOrTheDeploymentDefault() {
    BaseModel model =
        Serialization.unmarshal(
            """
            apiVersion: lorafleet.io/v1alpha1
            kind: BaseModel
            metadata: {name: slow, namespace: team-a}
            spec:
              source: {uri: s3://models/tiny}
              serving:
                adapterSlots: {maxLoaded: 4, maxCached: 16, maxRank: 32}
                rollout: {progressDeadlineSeconds: 1800}
            """,
            BaseModel.class);
    TestOperatorConfig config = new TestOperatorConfig();
    assertThat(ServingWorkload.deployment(model, config).getSpec().getProgressDeadlineSeconds())
        .isEqualTo(1800);
    BaseModel plain =
        Serialization.unmarshal(
            """
            apiVersion: lorafleet.io/v1alpha1
            kind: BaseModel
            metadata: {name: plain, namespace: team-a}
            spec:
              source: {uri: s3://models/tiny}
              serving:
                adapterSlots: {maxLoaded: 4, maxCached: 16, maxRank: 32}
                rollout: {maxSurge: 0}
            """,
            BaseModel.class);
    assertThat(ServingWorkload.deployment(plain, config).getSpec().getProgressDeadlineSeconds())
        .as("unset: the API server's default (600 s)")
        .isNull();
  }

  /** A JSON merge patch of spec.serving, as `kubectl patch --type merge` would send it. */
  private void patchServing(String servingJson) {
    admin
        .resources(BaseModel.class)
        .inNamespace(namespace)
        .withName("base")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\": {\"serving\": " + servingJson + "}}");
  }

  /**
   * Waits for the condition, its message containing {@code parts}: the operator reports passing
   * states on the way (the Deployment controller not yet having seen the new generation, say).
   */
  private void awaitCondition(ConditionType type, String status, String reason, String... parts) {
    try {
      awaitConditionOnce(type, status, reason, parts);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + clusterState(), e);
    }
  }

  /** The BaseModel's status, the Deployment's generation and status, and each pod's state. */
  private String clusterState() {
    StringBuilder out = new StringBuilder();
    out.append("BaseModel: ")
        .append(
            Serialization.asJson(
                admin
                    .resources(BaseModel.class)
                    .inNamespace(namespace)
                    .withName("base")
                    .get()
                    .getStatus()))
        .append('\n');
    var deployment =
        admin.apps().deployments().inNamespace(namespace).withName("serving-base").get();
    out.append("Deployment generation ")
        .append(deployment.getMetadata().getGeneration())
        .append(" image ")
        .append(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
        .append(" status ")
        .append(Serialization.asJson(deployment.getStatus()))
        .append('\n');
    for (var pod : admin.pods().inNamespace(namespace).list().getItems()) {
      out.append("pod ")
          .append(pod.getMetadata().getName())
          .append(' ')
          .append(Serialization.asJson(pod.getStatus().getContainerStatuses()))
          .append(' ')
          .append(Serialization.asJson(pod.getStatus().getConditions()))
          .append('\n');
    }
    return out.toString();
  }

  private void awaitConditionOnce(
      ConditionType type, String status, String reason, String... parts) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              BaseModel model =
                  admin.resources(BaseModel.class).inNamespace(namespace).withName("base").get();
              assertThat(model.getStatus()).isNotNull();
              assertThat(model.getStatus().condition(type))
                  .hasValueSatisfying(
                      c -> {
                        assertThat(c.reason()).hasToString(reason);
                        assertThat(c.isTrue()).isEqualTo("True".equals(status));
                        for (String part : parts) {
                          assertThat(c.message()).contains(part);
                        }
                      });
            });
  }
}
