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
import io.fabric8.kubernetes.client.KubernetesClient;
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
import io.lorafleet.operator.reconcile.PodSecurity;
import io.lorafleet.operator.testing.FakeServingPod;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review T6: a serving pod is one the pool's Deployment made (Pod → ReplicaSet → Deployment {@code
 * serving-<name>} owned by the BaseModel), not any pod that carries the pool's labels. On the real
 * control plane, an impostor pod with the pool's labels, running and Ready on the kubelet stand-in
 * with a fake admin API of its own on its pod IP, gets neither the admin token (sent with every
 * admin request) nor loads; nor does one owned by a forged ReplicaSet.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class ServingPodImpostorTest extends RealClusterTestBase {
  @Override
  protected String namespacePrefix() {
    return "impostor";
  }

  @Test
  void aPodWithThePoolsLabelsButNotMadeByItsDeploymentGetsNoTokenAndNoLoads() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/tone", 8, 1);
    baseModel("base");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> kubelet.servers(namespace, "base").size() == 1);
    String servingPod = kubelet.servers(namespace, "base").keySet().iterator().next();

    kubelet.images().push("impostor"); // someone's image, pullable on the node
    admin.pods().inNamespace(namespace).resource(impostor("impostor-labels")).create();
    // Running and Ready, as a pool pod looks to anyone who goes by labels.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(kubelet.servers(namespace, "base")).containsKey("impostor-labels");
              Pod pod = admin.pods().inNamespace(namespace).withName("impostor-labels").get();
              assertThat(pod.getStatus().getConditions())
                  .anySatisfy(
                      c -> {
                        assertThat(c.getType()).isEqualTo("Ready");
                        assertThat(c.getStatus()).isEqualTo("True");
                      });
            });
    FakeServingPod impostor = kubelet.servers(namespace, "base").get("impostor-labels");

    admin.resource(toneAdapter(namespace, v1)).create();
    awaitReadyOnOnePod(admin, namespace);
    assertThat(kubelet.servers(namespace, "base").get(servingPod).loaded()).containsKey("tone");
    assertThat(impostor.requests()).as("requests to the labels-only impostor").isEmpty();
  }

  /**
   * An impostor with the pool's labels whose controller is a ReplicaSet that claims to belong to
   * {@code serving-base} with a made-up UID. The garbage collector deletes such a ReplicaSet (its
   * owner does not exist), so the ReplicaSet carries a finalizer and is deleted at once: it stays,
   * terminating, and holds its pod (a deleting ReplicaSet's pods are neither released by the
   * ReplicaSet controller nor collected), as anyone allowed to create ReplicaSets could arrange.
   */
  @Test
  void aPodOwnedByAForgedReplicaSetGetsNoTokenAndNoLoads() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/tone", 8, 1);
    baseModel("base");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> kubelet.servers(namespace, "base").size() == 1);
    String servingPod = kubelet.servers(namespace, "base").keySet().iterator().next();

    ReplicaSet forged = admin.resource(forgedReplicaSet("serving-base-forged")).create();
    admin.resource(forged).delete();
    kubelet.images().push("impostor");
    Pod pod = impostor("impostor-rs");
    pod.getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion("apps/v1")
                    .withKind("ReplicaSet")
                    .withName(forged.getMetadata().getName())
                    .withUid(forged.getMetadata().getUid())
                    .withController(true)
                    .build()));
    admin.pods().inNamespace(namespace).resource(pod).create();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> kubelet.servers(namespace, "base").containsKey("impostor-rs"));
      FakeServingPod impostor = kubelet.servers(namespace, "base").get("impostor-rs");

      admin.resource(toneAdapter(namespace, v1)).create();
      awaitReadyOnOnePod(admin, namespace);
      assertThat(kubelet.servers(namespace, "base").get(servingPod).loaded()).containsKey("tone");
      assertThat(impostor.requests()).as("requests to the forged-owner impostor").isEmpty();
      // The forged chain held all along: the ReplicaSet and its pod are still there.
      assertThat(admin.pods().inNamespace(namespace).withName("impostor-rs").get()).isNotNull();
      assertThat(
              admin
                  .pods()
                  .inNamespace(namespace)
                  .withName("impostor-rs")
                  .get()
                  .getMetadata()
                  .getOwnerReferences())
          .singleElement()
          .satisfies(r -> assertThat(r.getUid()).isEqualTo(forged.getMetadata().getUid()));
    } finally {
      // Lets the ReplicaSet go; the garbage collector then removes the pod.
      admin
          .apps()
          .replicaSets()
          .inNamespace(namespace)
          .withName("serving-base-forged")
          .edit(
              rs ->
                  new ReplicaSetBuilder(rs).editMetadata().withFinalizers().endMetadata().build());
    }
  }

  /**
   * A ReplicaSet that claims to be made by Deployment serving-base, with a UID no object has; it
   * wants no pods and selects none of the pool's; a finalizer keeps it while it is deleted.
   */
  private ReplicaSet forgedReplicaSet(String name) {
    Pod template = impostor("template");
    return new ReplicaSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withFinalizers("test.lorafleet.io/hold")
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
        .withReplicas(0)
        .withNewSelector()
        .addToMatchLabels("forged", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("forged", name)
        .endMetadata()
        .withSpec(template.getSpec())
        .endTemplate()
        .endSpec()
        .build();
  }

  /** A pod with the pool's labels that passes Pod Security "restricted", serving on 8080. */
  private Pod impostor(String name) {
    return new PodBuilder()
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
        .withSecurityContext(PodSecurity.pod())
        .addNewContainer()
        .withName("server")
        .withImage("impostor")
        .withSecurityContext(PodSecurity.container(true))
        .addNewPort()
        .withName("http")
        .withContainerPort(8080)
        .endPort()
        .endContainer()
        .endSpec()
        .build();
  }

  /** LoraAdapter "tone" of {@code version} on BaseModel "base", placed on all its pods. */
  static LoraAdapter toneAdapter(String namespace, PublishedVersion version) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName("tone").withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference("base"),
            new ArtifactSource(version.uri().toString(), new SecretReference("s3"), null),
            new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false));
    return adapter;
  }

  /**
   * "tone" is Ready and placed on one pod: the pool's only serving pod, the impostor not counted.
   */
  static void awaitReadyOnOnePod(KubernetesClient client, String namespace) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              LoraAdapter current =
                  client.resources(LoraAdapter.class).inNamespace(namespace).withName("tone").get();
              assertThat(current.getStatus()).isNotNull();
              assertThat(current.getStatus().condition(ConditionType.Ready))
                  .hasValueSatisfying(c -> assertThat(c.isTrue()).isTrue());
              assertThat(current.getStatus().desiredReplicas()).isEqualTo(1);
            });
  }
}
