package io.lorafleet.operator.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.testing.ClusterTestBase;
import io.lorafleet.operator.testing.FakeServingPod;
import io.lorafleet.operator.testing.MockServerCrds;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review T6: a serving pod is one the pool's Deployment made (Pod → ReplicaSet → Deployment {@code
 * serving-<name>} owned by the BaseModel). An impostor with the pool's labels, owned by a
 * ReplicaSet that claims to belong to {@code serving-<name>} with a made-up UID, must get neither
 * the admin token nor loads. The labels-only impostor runs on the real control plane
 * (ServingPodImpostorTest).
 *
 * <p>Kept on the Fabric8 mock: on the real control plane the garbage collector deletes a ReplicaSet
 * whose controller reference names a UID that no object has (the owner is absent), and then its
 * pods, within seconds, so the forged chain cannot be held while the operator places an adapter.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class ServingPodForgedOwnerMockTest extends ClusterTestBase {

  @Test
  void aPodOwnedByAForgedReplicaSetGetsNoTokenAndNoLoads() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/tone", 8, 1);
    baseModel("base");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> kubelet.servers(namespace, "base").size() == 1);

    try (FakeServingPod forgedReplicaSet = new FakeServingPod(null)) {
      // Owned by a ReplicaSet that claims to belong to serving-base, with a made-up UID.
      ReplicaSet fake =
          client
              .apps()
              .replicaSets()
              .inNamespace(namespace)
              .resource(
                  new ReplicaSetBuilder()
                      .withNewMetadata()
                      .withName("serving-base-forged")
                      .withNamespace(namespace)
                      .addToOwnerReferences(
                          new OwnerReferenceBuilder()
                              .withApiVersion("apps/v1")
                              .withKind("Deployment")
                              .withName("serving-base")
                              .withUid("00000000-0000-0000-0000-000000000000")
                              .withController(true)
                              .build())
                      .endMetadata()
                      .withNewSpec()
                      .withNewSelector()
                      .withMatchLabels(Map.of("x", "y"))
                      .endSelector()
                      .endSpec()
                      .build())
              .create();
      impostor("impostor-rs", forgedReplicaSet.port(), fake);

      client.resource(ServingPodImpostorTest.toneAdapter(namespace, v1)).create();
      ServingPodImpostorTest.awaitReadyOnOnePod(client, namespace);
      assertThat(kubelet.servers(namespace, "base").values())
          .allSatisfy(s -> assertThat(s.loaded()).containsKey("tone"));
      assertThat(forgedReplicaSet.requests()).as("requests to the forged-owner impostor").isEmpty();
    }
  }

  /** A ready pod with the pool's labels, owned by {@code owner}, on loopback at {@code port}. */
  private void impostor(String name, int port, ReplicaSet owner) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(
                Map.of(
                    BaseModelResources.COMPONENT,
                    BaseModelResources.SERVER,
                    BaseModelResources.BASE_MODEL,
                    "base",
                    BaseModelResources.MANAGED_BY,
                    BaseModelResources.OPERATOR))
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("server")
            .withImage("impostor")
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
            .editMetadata()
            .addToOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("apps/v1")
                    .withKind("ReplicaSet")
                    .withName(owner.getMetadata().getName())
                    .withUid(owner.getMetadata().getUid())
                    .withController(true)
                    .build())
            .endMetadata();
    Pod created = client.pods().inNamespace(namespace).resource(pod.build()).create();
    assertThat(created.getMetadata().getUid()).isNotNull();
  }
}
