package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.operator.testing.ClusterTestBase;
import io.lorafleet.operator.testing.MockServerCrds;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Kept on the Fabric8 mock, as fault injection: a real API server answers 409 to the serving
 * Deployment's create only when two writers race, which a test cannot arrange on demand, while the
 * mock answers it once when told (server.expect()). Admission cannot stand in: a
 * ValidatingAdmissionPolicy denies with 401, 403, 413 or 422 (its reasons), never 409; only an
 * admission webhook may answer with a code of its choosing, and the test control plane runs no
 * webhook server. What is tested is the operator's reading of the answer (a retry, no Degraded, no
 * Warning); the rest of BaseModel reconciliation runs on the real control plane
 * (BaseModelReconcilerTest).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class BaseModelConflictMockTest extends ClusterTestBase {
  @KubernetesTestServer KubernetesServer server;

  /** Review S2: a 409 (created meanwhile, stale resourceVersion) is retried, not reported. */
  @Test
  void aConflictOnTheDeploymentIsRetriedWithoutDegradedOrWarnings() {
    server
        .expect()
        .post()
        .withPath("/apis/apps/v1/namespaces/" + namespace + "/deployments")
        .andReturn(
            409,
            new StatusBuilder()
                .withStatus("Failure")
                .withCode(409)
                .withReason("Conflict")
                .withMessage("the object has been modified")
                .build())
        .once();
    apply("contended");
    awaitReady("contended");
    assertThat(
            client.apps().deployments().inNamespace(namespace).withName("serving-contended").get())
        .isNotNull();
    assertThat(events("BaseModel", "contended")).noneMatch(e -> e.startsWith("Warning/"));
  }

  private void apply(String name) {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    model.setSpec(
        new BaseModelSpec(
            new ArtifactSource("s3://models/tiny", new SecretReference("s3"), null),
            new ServingSpec(
                2, ServingRuntime.BUILTIN, null, null, null, null, new AdapterSlots(4, 16, 32))));
    client.resource(model).create();
  }

  private void awaitReady(String name) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              BaseModel model =
                  client.resources(BaseModel.class).inNamespace(namespace).withName(name).get();
              assertThat(model.getStatus()).isNotNull();
              assertThat(model.getStatus().condition(ConditionType.Ready).map(c -> c.reason()))
                  .contains("Available");
            });
  }
}
