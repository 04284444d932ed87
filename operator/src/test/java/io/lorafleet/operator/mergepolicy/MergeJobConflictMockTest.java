package io.lorafleet.operator.mergepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.testing.ClusterTestBase;
import io.lorafleet.operator.testing.MockServerCrds;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Kept on the Fabric8 mock, as fault injection: a real API server answers 409 AlreadyExists to the
 * merge Job's create only when an event outruns the operator's informer, which a test cannot
 * arrange on demand, while the mock answers it once when told (server.expect()). Admission cannot
 * stand in: a ValidatingAdmissionPolicy denies with 401, 403, 413 or 422 (its reasons), never 409;
 * only an admission webhook may answer with a code of its choosing, and the test control plane runs
 * no webhook server. What is tested is the operator's reading of the answer (a retry, not a
 * Degraded policy); the rest of MergePolicy reconciliation runs on the real control plane
 * (MergePolicyReconcilerTest).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class MergeJobConflictMockTest extends ClusterTestBase {
  @KubernetesTestServer KubernetesServer server;

  private MergePolicyFixtures merges() {
    return new MergePolicyFixtures(client, namespace);
  }

  private void awaitReason(String name, String reason) {
    merges().awaitReason(name, reason, Duration.ofSeconds(30));
  }

  private PublishedVersion publish(String name, long seed) throws Exception {
    return TestArtifacts.publishAdapter(
        objectStore.client(), "s3://adapters/" + namespace + "/" + name, 4, seed);
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
    merges().adapter("tone", "base", publish("tone", 1));
    merges().adapter("domain", "base", publish("domain", 2));
    merges().policy("calm", "base");
    awaitReason("calm", "Merged");
    assertThat(events("MergePolicy", "calm")).noneMatch(e -> e.startsWith("Warning/"));
  }
}
