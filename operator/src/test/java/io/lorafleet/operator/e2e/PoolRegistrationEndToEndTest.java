package io.lorafleet.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatusAggregator;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.basemodel.RouterResources;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.TestArtifacts;
import io.lorafleet.operator.testing.kubelet.LocalImages;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.Kubelet;
import io.lorafleet.testcluster.kubelet.ProcessRuntime;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 on the real control plane, operator side: a builtin pool of two real server processes
 * (kubelet stand-in), one adapter kept warm on one pod ({@code replicas: 1}) and one on none
 * ({@code replicas: 0}). Every pod gets both registered, so a request for either adapter succeeds
 * on either pod (the pod loads it on demand); a replacement pod gets them registered again; a
 * deleted adapter is unregistered everywhere (then 404). The router's objects are accepted by the
 * real API server (RBAC escalation check included: the operator grants the router's Role with its
 * own ServiceAccount), and the BaseModel reports RouterReady.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class PoolRegistrationEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASE = "tiny";
  private static EmbeddedObjectStore objectStore;
  private static Path workDir;
  private static Kubelet kubelet;
  private static String namespace;
  private static String warmDigest;
  private static String coldDigest;

  @Inject OperatorConfig config;

  private final KubernetesClient client = RealCluster.get().admin();

  @BeforeAll
  static void modelAndAdapters() throws Exception {
    String missing = LocalImages.missing();
    if (missing != null) {
      throw new IllegalStateException(
          missing + " is missing: build the reactor (./mvnw verify) before the operator tests");
    }
    objectStore = EmbeddedObjectStore.start();
    workDir = Files.createTempDirectory("pool-registration");
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    namespace = RealCluster.get().restrictedNamespace("pool");
    Path model = workDir.resolve("model");
    LocalImages.generateTestModel(model);
    objectStore.client().ensureBucket("lorafleet");
    try (Stream<Path> files = Files.list(model)) {
      for (Path file : files.toList()) {
        objectStore
            .client()
            .putBytes(
                "lorafleet", "models/" + BASE + "/" + file.getFileName(), Files.readAllBytes(file));
      }
    }
    warmDigest =
        "sha256:"
            + TestArtifacts.publishAdapter(
                    objectStore.client(), "s3://lorafleet/adapters/warm", 4, 1)
                .digest();
    coldDigest =
        "sha256:"
            + TestArtifacts.publishAdapter(
                    objectStore.client(), "s3://lorafleet/adapters/cold", 4, 2)
                .digest();
  }

  @AfterAll
  static void stop() throws IOException {
    if (namespace != null) {
      // The pool first: its dependents recreated in a terminating namespace would be refused (403).
      KubernetesClient admin = RealCluster.get().admin();
      admin.resources(BaseModel.class).inNamespace(namespace).withName(BASE).delete();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  admin.resources(BaseModel.class).inNamespace(namespace).withName(BASE).get()
                      == null);
      RealCluster.get().admin().namespaces().withName(namespace).delete();
    }
    if (kubelet != null) {
      kubelet.close();
    }
    objectStore.close();
  }

  @Test
  void everyPodServesEveryAdapterOfThePoolAndTheRouterObjectsAreAccepted() throws Exception {
    ProcessRuntime runtime = new ProcessRuntime(OperatorImages.of(config));
    kubelet =
        Kubelet.start(
            client,
            workDir.resolve("kubelet"),
            pod -> namespace.equals(pod.getMetadata().getNamespace()) ? runtime : null);
    client
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "s3", objectStore.endpoint()))
        .create();
    client
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: lorafleet.io/v1alpha1
                kind: BaseModel
                metadata: {name: %s, namespace: %s}
                spec:
                  source: {uri: s3://lorafleet/models/%s, credentialsSecretRef: {name: s3}}
                  serving:
                    replicas: 2
                    adapterSlots: {maxLoaded: 2, maxCached: 4, maxRank: 8}
                    resources: {requests: {cpu: 100m, memory: 1Gi}}
                """
                    .formatted(BASE, namespace, BASE),
                BaseModel.class))
        .create();
    client.resource(adapter("warm", 1)).create();
    client.resource(adapter("cold", 0)).create();

    // Both adapters Ready: the warm one loaded on one pod, both registered on both pods.
    await()
        .atMost(Duration.ofMinutes(4))
        .untilAsserted(
            () -> {
              for (String name : new String[] {"warm", "cold"}) {
                LoraAdapter a = lad(name);
                assertThat(a.isReady()).as("%s Ready: %s", name, a.getStatus()).isTrue();
                assertThat(a.getStatus().registeredReplicas()).isEqualTo(2);
              }
              assertThat(lad("warm").getStatus().readyReplicas()).isEqualTo(1);
              assertThat(lad("cold").getStatus().readyReplicas()).isZero();
            });
    Map<String, URI> pods = servers();
    assertThat(pods).hasSize(2);
    for (URI pod : pods.values()) {
      assertThat(registered(pod))
          .containsEntry("warm", warmDigest)
          .containsEntry("cold", coldDigest);
    }
    assertThat(pods.values().stream().filter(p -> loaded(p).containsKey("warm")))
        .as("one warm copy")
        .hasSize(1);

    // Each adapter answers on each pod: a pod without a copy loads it on the request.
    for (URI pod : pods.values()) {
      for (String name : new String[] {"warm", "cold"}) {
        assertThat(complete(pod, name)).as("%s on %s", name, pod).isEqualTo(200);
      }
    }

    // A replaced pod (the ReplicaSet makes a new one) gets both registered again.
    String lost = pods.keySet().iterator().next();
    client.pods().inNamespace(namespace).withName(lost).delete();
    await()
        .atMost(Duration.ofMinutes(3))
        .untilAsserted(
            () -> {
              Map<String, URI> now = servers();
              assertThat(now).hasSize(2).doesNotContainKey(lost);
              for (URI pod : now.values()) {
                assertThat(registered(pod)).containsKeys("warm", "cold");
              }
            });

    // The router's objects, as the API server accepted them from the operator's ServiceAccount.
    BaseModel base = client.resources(BaseModel.class).inNamespace(namespace).withName(BASE).get();
    String router = RouterResources.name(base);
    Deployment deployment =
        client.apps().deployments().inNamespace(namespace).withName(router).get();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(client.serviceAccounts().inNamespace(namespace).withName(router).get()).isNotNull();
    assertThat(client.rbac().roles().inNamespace(namespace).withName(router).get()).isNotNull();
    assertThat(client.rbac().roleBindings().inNamespace(namespace).withName(router).get())
        .isNotNull();
    assertThat(
            client
                .policy()
                .v1()
                .podDisruptionBudget()
                .inNamespace(namespace)
                .withName(router)
                .get())
        .isNotNull();
    Service headless =
        client
            .services()
            .inNamespace(namespace)
            .withName(RouterResources.podsServiceName(base))
            .get();
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    Service pub =
        client
            .services()
            .inNamespace(namespace)
            .withName(BaseModelResources.servingName(base))
            .get();
    assertThat(pub.getSpec().getSelector()).isEqualTo(RouterResources.selector(base));
    // No router image runs in this test: the condition says so, for the current generation.
    Condition routerReady =
        base.getStatus().conditions().stream()
            .filter(c -> BaseModelStatusAggregator.ROUTER_READY.equals(c.type()))
            .findFirst()
            .orElseThrow();
    assertThat(routerReady.observedGeneration()).isEqualTo(base.getMetadata().getGeneration());
    assertThat(routerReady.reason()).isEqualTo("RouterStarting");

    // Deleting an adapter unregisters it everywhere: it is then unknown to every pod.
    client.resources(LoraAdapter.class).inNamespace(namespace).withName("cold").delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> lad("cold") == null);
    for (URI pod : servers().values()) {
      assertThat(registered(pod)).doesNotContainKey("cold").containsKey("warm");
      assertThat(complete(pod, "cold")).isEqualTo(404);
    }
  }

  private LoraAdapter adapter(String name, int replicas) {
    return Serialization.unmarshal(
        """
        apiVersion: lorafleet.io/v1alpha1
        kind: LoraAdapter
        metadata: {name: %s, namespace: %s}
        spec:
          baseModelRef: {name: %s}
          artifact: {uri: "s3://lorafleet/adapters/%s", credentialsSecretRef: {name: s3}}
          placement: {replicas: %d}
        """
            .formatted(name, namespace, BASE, name, replicas),
        LoraAdapter.class);
  }

  private LoraAdapter lad(String name) {
    return client.resources(LoraAdapter.class).inNamespace(namespace).withName(name).get();
  }

  /** The ready serving pods: name to address. */
  private Map<String, URI> servers() {
    Map<String, URI> result = new TreeMap<>();
    for (Pod pod :
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(BaseModelResources.COMPONENT, BaseModelResources.SERVER)
            .list()
            .getItems()) {
      boolean ready =
          pod.getMetadata().getDeletionTimestamp() == null
              && pod.getStatus().getConditions().stream()
                  .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
      if (ready) {
        result.put(
            pod.getMetadata().getName(),
            URI.create("http://" + pod.getStatus().getPodIP() + ":" + config.servingPort()));
      }
    }
    return result;
  }

  private String adminToken() {
    Secret secret = client.secrets().inNamespace(namespace).withName("admin-token-" + BASE).get();
    return new String(
        Base64.getDecoder().decode(secret.getData().get(BaseModelResources.ADMIN_TOKEN_KEY)),
        StandardCharsets.UTF_8);
  }

  private Map<String, String> registered(URI pod) throws Exception {
    return names(pod, "/v1/registered_adapters");
  }

  private Map<String, String> loaded(URI pod) {
    try {
      return names(pod, "/v1/adapters");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Map<String, String> names(URI pod, String path) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(pod.resolve(path))
                  .header("Authorization", "Bearer " + adminToken())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
      Map<String, String> result = new HashMap<>();
      for (JsonNode adapter : JSON.readTree(response.body()).path("data")) {
        result.put(adapter.path("name").asText(), adapter.path("digest").asText());
      }
      return result;
    }
  }

  /** The HTTP status of a short greedy completion for {@code model} on the pod. */
  private static int complete(URI pod, String model) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of("model", model, "prompt", "abc", "max_tokens", 3, "temperature", 0));
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
              HttpRequest.newBuilder(pod.resolve("/v1/completions"))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(120))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .statusCode();
    }
  }
}
