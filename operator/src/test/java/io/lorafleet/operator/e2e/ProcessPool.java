package io.lorafleet.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.TestArtifacts;
import io.lorafleet.operator.testing.kubelet.LocalImages;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.Kubelet;
import io.lorafleet.testcluster.kubelet.LocalImage;
import io.lorafleet.testcluster.kubelet.PodAddresses;
import io.lorafleet.testcluster.kubelet.ProcessRuntime;
import io.lorafleet.testcluster.kubelet.ServiceProxy;
import io.lorafleet.testcluster.kubelet.TestNetAddresses;
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
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A builtin serving pool of real server processes on the real control plane, for the end-to-end
 * tests of issue 18: object storage (S3Proxy) holding a small random Llama and the adapters the
 * test publishes, a Pod Security "restricted" namespace with the storage credentials, the kubelet
 * stand-in running the pods as child processes, and the pool's BaseModel and LoraAdapters. {@link
 * #close()} deletes the pool first (its dependents recreated in a terminating namespace would be
 * refused), then the namespace, stops the pods and the storage.
 */
final class ProcessPool implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final EmbeddedObjectStore objectStore;
  private final Path workDir;
  private final String namespace;
  private final KubernetesClient client = RealCluster.get().admin();
  private Kubelet kubelet;
  private S3ObjectStore store;

  private ProcessPool(String base, EmbeddedObjectStore objectStore, Path workDir, String ns) {
    this.base = base;
    this.objectStore = objectStore;
    this.workDir = workDir;
    this.namespace = ns;
  }

  /**
   * Storage with the model {@code base} in it, and a namespace whose Secret {@code s3} reads it.
   */
  /**
   * Skips {@code test}, with the reason, where test-range addresses cannot be added to lo (not
   * root, no iproute2): the API server refuses loopback pod IPs in EndpointSlices, so a router
   * would never see the pods.
   */
  static void assumeTestNetAddresses(String test) {
    Optional<String> why = TestNetAddresses.unavailable();
    assumeTrue(
        why.isEmpty(),
        () ->
            "SKIPPED: "
                + test
                + " needs test-range pod IPs on lo (the API server refuses loopback ones in"
                + " EndpointSlices): "
                + why.orElseThrow());
  }

  static ProcessPool start(String prefix, String base) throws Exception {
    String missing = LocalImages.missing();
    if (missing != null) {
      // The reactor builds the applications before this module; a missing jar is a broken build.
      throw new IllegalStateException(
          missing + " is missing: build the reactor (./mvnw verify) before the operator tests");
    }
    EmbeddedObjectStore objectStore = EmbeddedObjectStore.start();
    Path workDir = Files.createTempDirectory(prefix);
    // Pods run as UID 10001 and reach their volumes under it.
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    String namespace = RealCluster.get().restrictedNamespace(prefix);
    ProcessPool pool = new ProcessPool(base, objectStore, workDir, namespace);
    Path model = workDir.resolve("model");
    LocalImages.generateTestModel(model);
    objectStore.client().ensureBucket("lorafleet");
    try (Stream<Path> files = Files.list(model)) {
      for (Path file : files.toList()) {
        objectStore
            .client()
            .putBytes(
                "lorafleet", "models/" + base + "/" + file.getFileName(), Files.readAllBytes(file));
      }
    }
    pool.client
        .secrets()
        .inNamespace(namespace)
        .resource(objectStore.credentialsSecret(namespace, "s3", objectStore.endpoint()))
        .create();
    return pool;
  }

  String namespace() {
    return namespace;
  }

  String base() {
    return base;
  }

  KubernetesClient client() {
    return client;
  }

  /** The local copy of the base model (the HF directory the pool's storage holds). */
  Path modelDir() {
    return workDir.resolve("model");
  }

  /** Writes {@code bytes} to s3://lorafleet/{@code key}. */
  void put(String key, byte[] bytes) {
    store().putBytes("lorafleet", key, bytes);
  }

  /** Publishes a random adapter at s3://lorafleet/adapters/{@code name}; its digest. */
  String publishAdapter(String name, int rank, int seed) throws Exception {
    return "sha256:"
        + TestArtifacts.publishAdapter(store(), "s3://lorafleet/adapters/" + name, rank, seed)
            .digest();
  }

  /** Publishes the adapter directory {@code dir} as a new version under {@code uri}. */
  PublishedVersion publishDirectory(Path dir, String uri) throws IOException {
    return new ArtifactStore(store(), RetryPolicy.defaults())
        .push(
            dir, S3Uri.parse(uri), Map.of("fineTuneJob", "test", "baseModelDigest", "sha256:test"));
  }

  /** One client for every publication (a new one per adapter set up its own connections). */
  private synchronized S3ObjectStore store() {
    if (store == null) {
      store = objectStore.client();
    }
    return store;
  }

  /** Runs this namespace's pods (only those) as processes of {@code images}, IPs from addresses. */
  Kubelet startKubelet(Function<String, LocalImage> images, PodAddresses addresses)
      throws IOException {
    ProcessRuntime runtime = new ProcessRuntime(images);
    kubelet =
        Kubelet.start(
            client,
            workDir.resolve("kubelet"),
            OperatorImages.runnable(images),
            pod -> namespace.equals(pod.getMetadata().getNamespace()) ? runtime : null,
            addresses);
    return kubelet;
  }

  /** Creates the BaseModel; {@code serving} is the YAML of its serving block, indented by 4. */
  void createBaseModel(String serving) {
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
                %s"""
                    .formatted(base, namespace, base, serving.stripTrailing()),
                BaseModel.class))
        .create();
  }

  /** Creates a LoraAdapter of the pool for the published adapter {@code name}. */
  void createAdapter(String name, int replicas) {
    client
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: lorafleet.io/v1alpha1
                kind: LoraAdapter
                metadata: {name: %s, namespace: %s}
                spec:
                  baseModelRef: {name: %s}
                  artifact: {uri: "s3://lorafleet/adapters/%s", credentialsSecretRef: {name: s3}}
                  placement: {replicas: %d}
                """
                    .formatted(name, namespace, base, name, replicas),
                LoraAdapter.class))
        .create();
  }

  LoraAdapter adapter(String name) {
    return client.resources(LoraAdapter.class).inNamespace(namespace).withName(name).get();
  }

  /** Points the adapter at another published version (what a GitOps commit of a new URI does). */
  void setArtifact(String name, PublishedVersion version) {
    client
        .resources(LoraAdapter.class)
        .inNamespace(namespace)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"artifact\":{\"uri\":\"" + version.uri() + "\"}}}");
  }

  /** A local port to the pool's Service (its router pods, where the BaseModel has a router). */
  ServiceProxy routerService() throws Exception {
    return ServiceProxy.start(
        client, namespace, BaseModelResources.servingName(baseModel()), "http");
  }

  BaseModel baseModel() {
    return client.resources(BaseModel.class).inNamespace(namespace).withName(base).get();
  }

  /** The ready serving pods (not terminating): name to address on {@code port}. */
  Map<String, URI> servers(int port) {
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
            URI.create("http://" + pod.getStatus().getPodIP() + ":" + port));
      }
    }
    return result;
  }

  String adminToken() {
    Secret secret = client.secrets().inNamespace(namespace).withName("admin-token-" + base).get();
    return new String(
        Base64.getDecoder().decode(secret.getData().get(BaseModelResources.ADMIN_TOKEN_KEY)),
        StandardCharsets.UTF_8);
  }

  /** The adapters registered on the pod (admin API): name to digest. */
  Map<String, String> registered(URI pod) throws Exception {
    return names(pod, "/v1/registered_adapters");
  }

  /** The adapters loaded on the pod (admin API): name to digest. */
  Map<String, String> loaded(URI pod) {
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

  /** A short greedy completion for {@code model} at {@code base} (a pod, or the pool's Service). */
  static HttpResponse<String> complete(URI base, String model) throws Exception {
    return complete(base, model, null);
  }

  /** As {@link #complete(URI, String)}, with {@code Authorization: Bearer <token>} unless null. */
  static HttpResponse<String> complete(URI base, String model, String token) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of("model", model, "prompt", "abc", "max_tokens", 3, "temperature", 0));
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
          authorized(
                  HttpRequest.newBuilder(base.resolve("/v1/completions"))
                      .header("Content-Type", "application/json")
                      .timeout(Duration.ofSeconds(120))
                      .POST(HttpRequest.BodyPublishers.ofString(body)),
                  token)
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  private static HttpRequest.Builder authorized(HttpRequest.Builder request, String token) {
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  /** The text of a 200 completion answer. */
  static String text(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body()).at("/choices/0/text").asText();
  }

  @Override
  public void close() {
    try {
      KubernetesClient admin = RealCluster.get().admin();
      admin.resources(BaseModel.class).inNamespace(namespace).withName(base).delete();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  admin.resources(BaseModel.class).inNamespace(namespace).withName(base).get()
                      == null);
      admin.namespaces().withName(namespace).delete();
    } finally {
      if (kubelet != null) {
        kubelet.close();
      }
      if (store != null) {
        store.close();
      }
      objectStore.close();
    }
  }
}
