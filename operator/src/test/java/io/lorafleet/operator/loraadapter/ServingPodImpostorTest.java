package io.lorafleet.operator.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
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
 * serving-<name>} owned by the BaseModel), not any pod that carries the pool's labels. An impostor
 * with the labels must get neither the admin token nor loads.
 *
 * <p>Still on the Fabric8 mock (not moved in this round, docs/operator.md "Where the tests run"):
 * the impostor is a hand-made pod object, which the real control plane could hold too.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class ServingPodImpostorTest extends ClusterTestBase {

  @Test
  void aPodWithThePoolsLabelsButNotMadeByItsDeploymentGetsNoTokenAndNoLoads() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/tone", 8, 1);
    baseModel("base");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> kubelet.servers(namespace, "base").size() == 1);

    try (FakeServingPod labelsOnly = new FakeServingPod(null);
        FakeServingPod forgedReplicaSet = new FakeServingPod(null)) {
      // Only the labels.
      impostor("impostor-labels", labelsOnly.port(), null);
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

      LoraAdapter adapter = new LoraAdapter();
      adapter.setMetadata(
          new ObjectMetaBuilder().withName("tone").withNamespace(namespace).build());
      adapter.setSpec(
          new LoraAdapterSpec(
              new LocalReference("base"),
              new ArtifactSource(v1.uri().toString(), new SecretReference("s3"), null),
              new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS),
              null,
              false));
      client.resource(adapter).create();

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                LoraAdapter current =
                    client
                        .resources(LoraAdapter.class)
                        .inNamespace(namespace)
                        .withName("tone")
                        .get();
                assertThat(current.getStatus()).isNotNull();
                assertThat(current.getStatus().condition(ConditionType.Ready))
                    .hasValueSatisfying(c -> assertThat(c.isTrue()).isTrue());
                assertThat(current.getStatus().desiredReplicas()).isEqualTo(1);
              });
      assertThat(kubelet.servers(namespace, "base").values())
          .allSatisfy(s -> assertThat(s.loaded()).containsKey("tone"));
      assertThat(labelsOnly.requests()).as("requests to the labels-only impostor").isEmpty();
      assertThat(forgedReplicaSet.requests()).as("requests to the forged-owner impostor").isEmpty();
    }
  }

  /** A ready pod with the pool's labels, on loopback at {@code port}. */
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
            .endStatus();
    if (owner != null) {
      pod.editMetadata()
          .addToOwnerReferences(
              new OwnerReferenceBuilder()
                  .withApiVersion("apps/v1")
                  .withKind("ReplicaSet")
                  .withName(owner.getMetadata().getName())
                  .withUid(owner.getMetadata().getUid())
                  .withController(true)
                  .build())
          .endMetadata();
    }
    Pod created = client.pods().inNamespace(namespace).resource(pod.build()).create();
    assertThat(created.getMetadata().getUid()).isNotNull();
  }
}
