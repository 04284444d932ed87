package io.lorafleet.operator.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
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
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review T6: a serving pod is one the pool's Deployment made (Pod → ReplicaSet → Deployment {@code
 * serving-<name>} owned by the BaseModel), not any pod that carries the pool's labels. On the real
 * control plane, an impostor pod with the pool's labels, running and Ready on the kubelet stand-in
 * with a fake admin API of its own on its pod IP, gets neither the admin token (sent with every
 * admin request) nor loads. An impostor owned by a forged ReplicaSet is
 * ServingPodForgedOwnerMockTest's (the real garbage collector deletes such a ReplicaSet).
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
