package io.lorafleet.operator.mergepolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.lorafleet.api.v1alpha1.common.AdapterOutput;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.api.v1alpha1.mergepolicy.MajoritySign;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeMethod;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicySpec;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeSource;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.testing.ClusterTestBase;
import io.lorafleet.operator.testing.MockServerCrds;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kept on the Fabric8 mock, as fault injection: a real API server answers 409 AlreadyExists to the
 * merge Job's create only when an event outruns the operator's informer, which a test cannot
 * arrange on demand, while the mock answers it once when told (server.expect()). What is tested is
 * the operator's reading of the answer (a retry, not a Degraded policy); the rest of MergePolicy
 * reconciliation runs on the real control plane (MergePolicyReconcilerTest).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class MergeJobConflictMockTest extends ClusterTestBase {
  @KubernetesTestServer KubernetesServer server;

  private void adapter(String name, String base, PublishedVersion version) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference(base),
            new ArtifactSource(version.uri().toString(), new SecretReference("s3"), null),
            new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false));
    client.resource(adapter).createOr(a -> a.update());
  }

  private PublishedVersion publish(String name, long seed) throws Exception {
    return TestArtifacts.publishAdapter(
        objectStore.client(), "s3://adapters/" + namespace + "/" + name, 4, seed);
  }

  private void policy(String name, String base) {
    MergePolicy policy = new MergePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    policy.setSpec(
        new MergePolicySpec(
            new LocalReference(base),
            List.of(new MergeSource("tone", 0.7), new MergeSource("domain", 0.3)),
            MergeMethod.TIES,
            0.5,
            MajoritySign.TOTAL,
            8,
            7L,
            new AdapterOutput(
                "merged",
                "s3://adapters",
                new SecretReference("s3"),
                new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS))));
    client.resource(policy).create();
  }

  private MergePolicy get(String name) {
    return client.resources(MergePolicy.class).inNamespace(namespace).withName(name).get();
  }

  private LoraAdapter adapter(String name) {
    return client.resources(LoraAdapter.class).inNamespace(namespace).withName(name).get();
  }

  private void awaitReason(String name, String reason) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(get(name).getStatus()).isNotNull();
              assertThat(
                      get(name).getStatus().condition(ConditionType.Ready).orElseThrow().reason())
                  .isEqualTo(reason);
            });
  }

  /**
   * Review S3: the merge Job's create answers 409 AlreadyExists (an event arrived before the
   * informer saw the Job the operator had just created). A retry, not a Degraded policy.
   */
  @Test
  void aMergeJobCreateConflictIsRetriedWithoutDegradedOrWarnings() throws Exception {
    server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/" + namespace + "/jobs")
        .andReturn(
            409,
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withStatus("Failure")
                .withCode(409)
                .withReason("AlreadyExists")
                .withMessage("jobs.batch already exists")
                .build())
        .once();
    baseModel("base");
    adapter("tone", "base", publish("tone", 1));
    adapter("domain", "base", publish("domain", 2));
    policy("calm", "base");
    awaitReason("calm", "Merged");
    assertThat(events("MergePolicy", "calm")).noneMatch(e -> e.startsWith("Warning/"));
  }
}
