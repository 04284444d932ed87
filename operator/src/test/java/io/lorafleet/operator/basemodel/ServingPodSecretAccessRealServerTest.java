package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.TestOperatorConfig;
import io.lorafleet.operator.testing.kubelet.LocalImages;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.Kubelet;
import io.lorafleet.testcluster.kubelet.ProcessRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review finding T1 reproduced on the real control plane with the kubelet stand-in: the real server
 * runs as its image's UID 10001 and reads its admin token from the mounted Secret. With the serving
 * pod settings of commit b76c7ee (Secret defaultMode 0400, no fsGroup: the file is root's and
 * unreadable) every admin call is refused with 401; with today's settings (fsGroup 10001, mode
 * 0440) the same call succeeds.
 */
class ServingPodSecretAccessRealServerTest {
  private static final String TOKEN = "t1-admin-token";
  private static EmbeddedObjectStore objectStore;
  private static Kubelet kubelet;
  private static String namespace;
  private static final TestOperatorConfig CONFIG = new TestOperatorConfig();
  private final KubernetesClient admin = RealCluster.get().admin();

  @BeforeAll
  static void start() throws Exception {
    if (LocalImages.missing() != null) {
      throw new IllegalStateException(LocalImages.missing() + " is missing: build the reactor");
    }
    objectStore = EmbeddedObjectStore.start();
    Path model = Files.createTempDirectory("t1-model");
    LocalImages.generateTestModel(model);
    objectStore.client().ensureBucket("models");
    try (Stream<Path> files = Files.list(model)) {
      for (Path file : files.toList()) {
        objectStore
            .client()
            .putBytes("models", "tiny/" + file.getFileName(), Files.readAllBytes(file));
      }
    }
    KubernetesClient admin = RealCluster.get().admin();
    namespace = RealCluster.get().restrictedNamespace("t1");
    admin
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "s3", objectStore.endpoint()))
        .create();
    var images = OperatorImages.of(CONFIG);
    ProcessRuntime runtime = new ProcessRuntime(images);
    kubelet =
        Kubelet.start(
            admin,
            Files.createTempDirectory("t1"),
            OperatorImages.runnable(images),
            pod -> runtime);
  }

  @AfterAll
  static void stop() {
    if (namespace != null) {
      // Its Deployment would otherwise outlive the test and be scheduled to the next kubelet.
      RealCluster.get().admin().namespaces().withName(namespace).delete();
    }
    if (kubelet != null) {
      kubelet.close();
    }
    if (objectStore != null) {
      objectStore.close();
    }
  }

  private static BaseModel model(String name) {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    model.setSpec(
        new BaseModelSpec(
            new ArtifactSource("s3://models/tiny", new SecretReference("s3"), null),
            new ServingSpec(
                1, ServingRuntime.BUILTIN, null, null, null, null, new AdapterSlots(4, 16, 32))));
    return model;
  }

  /** The serving pod of the model as the operator specifies it today, with its token Secret. */
  private Pod servingPod(BaseModel model) {
    admin
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(BaseModelResources.adminTokenSecretName(model))
                .endMetadata()
                .addToStringData(BaseModelResources.ADMIN_TOKEN_KEY, TOKEN)
                .build())
        .create();
    var template = ServingWorkload.deployment(model, CONFIG).getSpec().getTemplate();
    return new PodBuilder()
        .withNewMetadata()
        .withName(model.getMetadata().getName())
        .withNamespace(namespace)
        .withLabels(template.getMetadata().getLabels())
        .endMetadata()
        .withSpec(template.getSpec())
        .build();
  }

  /** GET /v1/adapters with the right token, once the pod is Ready: the HTTP status. */
  private int adminCall(Pod pod) throws Exception {
    String name = pod.getMetadata().getName();
    admin.pods().inNamespace(namespace).resource(pod).create();
    await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () -> {
              Pod p = admin.pods().inNamespace(namespace).withName(name).get();
              return p.getStatus().getConditions().stream()
                  .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
            });
    URI uri =
        URI.create(
            "http://"
                + kubelet.podIP(namespace, name)
                + ":"
                + CONFIG.servingPort()
                + "/v1/adapters");
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
              HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }
  }

  @Test
  void withTheSettingsOfB76c7eeTheServerCannotReadItsAdminTokenAndRefusesEveryAdminCall()
      throws Exception {
    Pod pod = servingPod(model("old-settings"));
    PodSpec spec = pod.getSpec();
    // b76c7ee: runAsNonRoot and seccomp only (the image's USER 10001), Secret mode 0400.
    spec.setSecurityContext(
        new PodSecurityContextBuilder()
            .withRunAsNonRoot(true)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .build());
    spec.getVolumes().stream()
        .filter(v -> v.getSecret() != null)
        .forEach(v -> v.getSecret().setDefaultMode(0400));
    assertThat(adminCall(pod)).isEqualTo(401);
  }

  @Test
  void withTodaysSettingsTheServerReadsItsAdminToken() throws Exception {
    assertThat(adminCall(servingPod(model("current-settings")))).isEqualTo(200);
  }
}
