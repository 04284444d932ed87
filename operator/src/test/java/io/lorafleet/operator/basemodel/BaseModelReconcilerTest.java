package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.PodCapacity;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.FakeDeploymentController;
import io.lorafleet.operator.testing.LogCapture;
import io.lorafleet.operator.testing.MockServerCrds;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BaseModel reconciliation on the CRUD mock API server against a real S3 server on loopback.
 *
 * <p>Still on the Fabric8 mock with fake controllers: moving this suite to the real control plane
 * (testcluster's kubelet stand-in) is open (issue #13). The 409/422 tests inject the API server's
 * answer (server.expect()), which only the mock allows.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockServerCrds.class)
class BaseModelReconcilerTest {

  private static EmbeddedObjectStore objectStore;
  private static FakeDeploymentController deployments;
  private static LogCapture logs;
  private final String namespace = "bm-" + UUID.randomUUID().toString().substring(0, 8);

  @Inject KubernetesClient client;

  @KubernetesTestServer KubernetesServer server;

  @BeforeAll
  static void startObjectStore() throws Exception {
    logs = LogCapture.install();
    objectStore = EmbeddedObjectStore.start();
    var s3 = objectStore.client();
    TestArtifacts.putTinyModel(s3, "models", "tiny");
    s3.putBytes(
        "models",
        "tiny/model.safetensors",
        new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
    s3.putBytes(
        "models", "broken/config.json", "{\"model_type\": ".getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stopObjectStore() {
    if (deployments != null) {
      deployments.close();
    }
    objectStore.close();
    // The capture must have seen the operator's own lines (the outage's errors) to mean anything.
    assertThat(logs.lines()).anyMatch(line -> line.contains("Connection refused"));
    assertThat(logs.lines()).noneMatch(line -> line.contains(EmbeddedObjectStore.SECRET_KEY));
    logs.close();
  }

  private void startFakeDeploymentController() {
    if (deployments == null) {
      deployments = new FakeDeploymentController(client);
    }
  }

  private Secret credentials(String endpoint) {
    Secret secret = objectStore.credentialsSecret(namespace, "s3", endpoint);
    return client.secrets().inNamespace(namespace).resource(secret).createOr(s -> s.update());
  }

  private BaseModel apply(String name, String uri, String digest, ServingRuntime runtime) {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    model.setSpec(
        new BaseModelSpec(
            new ArtifactSource(uri, new SecretReference("s3"), digest),
            new ServingSpec(2, runtime, null, null, null, null, new AdapterSlots(4, 16, 32))));
    return client.resource(model).create();
  }

  private BaseModel get(String name) {
    return client.resources(BaseModel.class).inNamespace(namespace).withName(name).get();
  }

  private Condition awaitCondition(String name, ConditionType type, String reason) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              BaseModel model = get(name);
              assertThat(model.getStatus()).isNotNull();
              assertThat(model.getStatus().condition(type).map(Condition::reason)).contains(reason);
            });
    return get(name).getStatus().condition(type).orElseThrow();
  }

  private List<String> eventReasons(String name) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> e.getInvolvedObject().getName().equals(name))
        .map(e -> e.getType() + "/" + e.getReason())
        .toList();
  }

  @Test
  void resolvesTheModelAndRunsAReadyServingPool() {
    startFakeDeploymentController();
    credentials(objectStore.endpoint());
    apply("tiny", "s3://models/tiny", null, ServingRuntime.BUILTIN);

    Condition ready = awaitCondition("tiny", ConditionType.Ready, "Available");
    assertThat(ready.isTrue()).isTrue();
    assertThat(ready.message()).isEqualTo("2/2 serving pods ready");
    BaseModel model = get("tiny");
    assertThat(model.isReady()).isTrue();
    assertThat(model.getStatus().digest()).matches("sha256:[0-9a-f]{64}");
    assertThat(model.getStatus().architecture().architecture()).isEqualTo("LlamaForCausalLM");
    assertThat(model.getStatus().architecture().numKeyValueHeads()).isEqualTo(2);
    assertThat(model.getStatus().architecture().linearModules())
        .anySatisfy(
            m -> {
              assertThat(m.name()).isEqualTo("k_proj");
              assertThat(m.outFeatures()).isEqualTo(32); // 2 KV heads x head_dim 16
              assertThat(m.inFeatures()).isEqualTo(64);
            });

    Deployment deployment =
        client.apps().deployments().inNamespace(namespace).withName("serving-tiny").get();
    assertThat(deployment.getMetadata().getOwnerReferences().getFirst().getName())
        .isEqualTo("tiny");
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(container.getArgs()).containsSequence("--max-loaded", "4", "--max-cached", "16");
    assertThat(container.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("AWS_SECRET_ACCESS_KEY");
              assertThat(e.getValue()).isNull();
              assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3");
            });
    Service service = client.services().inNamespace(namespace).withName("serving-tiny").get();
    assertThat(service.getSpec().getSelector())
        .containsEntry(BaseModelResources.BASE_MODEL, "tiny");
    Secret token = client.secrets().inNamespace(namespace).withName("admin-token-tiny").get();
    assertThat(token.getMetadata().getOwnerReferences().getFirst().getUid())
        .isEqualTo(model.getMetadata().getUid());
    assertThat(eventReasons("tiny")).contains("Normal/Available");
    assertNoSecretInClusterObjects();
  }

  @Test
  void reportsTheAdapterSlotsOfEachPodAsTheOperatorPlacedThem() throws Exception {
    startFakeDeploymentController();
    credentials(objectStore.endpoint());
    apply("slots", "s3://models/tiny", null, ServingRuntime.BUILTIN);
    awaitCondition("slots", ConditionType.Ready, "Available");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get("slots").getStatus().capacity())
                    .hasSize(2)
                    .allSatisfy(
                        c -> {
                          assertThat(c.slotsUsed()).isZero();
                          assertThat(c.slotsFree()).isEqualTo(16); // adapterSlots.maxCached
                        }));
    List<String> pods = get("slots").getStatus().capacity().stream().map(PodCapacity::pod).toList();
    assertThat(pods)
        .isSorted()
        .containsExactlyInAnyOrderElementsOf(deployments.servers(namespace, "slots").keySet());

    // One adapter on one pod: that pod has one slot taken, the other none.
    var version =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/one", 4, 11);
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName("one").withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference("slots"),
            new ArtifactSource(version.uri().toString(), new SecretReference("s3"), null),
            new Placement(new IntOrString(1), PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false));
    client.resource(adapter).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<String> holders =
                  deployments.servers(namespace, "slots").entrySet().stream()
                      .filter(e -> e.getValue().loaded().containsKey("one"))
                      .map(java.util.Map.Entry::getKey)
                      .toList();
              assertThat(holders).hasSize(1);
              String holder = holders.getFirst();
              assertThat(get("slots").getStatus().capacity())
                  .containsExactlyInAnyOrderElementsOf(
                      pods.stream()
                          .map(
                              pod ->
                                  pod.equals(holder)
                                      ? new PodCapacity(pod, 1, 15)
                                      : new PodCapacity(pod, 0, 16))
                          .toList());
            });

    // Unloaded on deletion: the slot is free again.
    client.resource(adapter).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get("slots").getStatus().capacity())
                    .extracting(PodCapacity::slotsUsed)
                    .containsOnly(0));
  }

  @Test
  void aMissingCredentialsSecretBlocksWithItsReasonAndStartsNoPods() {
    apply("no-secret", "s3://models/tiny", null, ServingRuntime.BUILTIN);
    Condition degraded =
        awaitCondition("no-secret", ConditionType.Degraded, "CredentialsSecretNotFound");
    assertThat(degraded.isTrue()).isTrue();
    assertThat(degraded.message()).isEqualTo("Secret s3 not found in namespace " + namespace);
    assertThat(get("no-secret").getStatus().condition(ConditionType.Ready).orElseThrow().isTrue())
        .isFalse();
    assertThat(client.apps().deployments().inNamespace(namespace).list().getItems()).isEmpty();
    await()
        .untilAsserted(
            () ->
                assertThat(eventReasons("no-secret"))
                    .contains("Warning/CredentialsSecretNotFound"));
  }

  @Test
  void aSourceWithoutConfigIsArtifactNotFound() {
    credentials(objectStore.endpoint());
    apply("missing", "s3://models/nothing-here", null, ServingRuntime.BUILTIN);
    Condition ready = awaitCondition("missing", ConditionType.Ready, "ArtifactNotFound");
    assertThat(ready.message()).contains("no config.json");
  }

  @Test
  void aMalformedConfigIsInvalidModelConfig() {
    credentials(objectStore.endpoint());
    apply("broken", "s3://models/broken", null, ServingRuntime.BUILTIN);
    awaitCondition("broken", ConditionType.Ready, "InvalidModelConfig");
  }

  @Test
  void aPinnedDigestThatDiffersIsDigestMismatch() {
    credentials(objectStore.endpoint());
    apply("pinned", "s3://models/tiny", "sha256:" + "0".repeat(64), ServingRuntime.BUILTIN);
    Condition ready = awaitCondition("pinned", ConditionType.Ready, "DigestMismatch");
    assertThat(ready.message()).contains("spec pins sha256:" + "0".repeat(64));
  }

  @Test
  void anUnreachableObjectStoreDegradesAndRecoversWhenItIsBack() {
    startFakeDeploymentController();
    credentials("http://127.0.0.1:9"); // nothing listens on the discard port
    apply("outage", "s3://models/tiny", null, ServingRuntime.VLLM);
    Condition degraded = awaitCondition("outage", ConditionType.Degraded, "ObjectStoreUnavailable");
    assertThat(degraded.isTrue()).isTrue();
    await()
        .untilAsserted(
            () -> assertThat(eventReasons("outage")).contains("Warning/ObjectStoreUnavailable"));

    credentials(objectStore.endpoint()); // the retry with back-off picks the fix up
    awaitCondition("outage", ConditionType.Ready, "Available");
    assertThat(get("outage").getStatus().condition(ConditionType.Degraded).orElseThrow().isTrue())
        .isFalse();
    var container =
        client
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withName("serving-outage")
            .get()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .getFirst();
    assertThat(container.getArgs())
        .containsSequence("--max-loras", "4", "--max-cpu-loras", "16", "--max-lora-rank", "32");
    assertNoSecretInClusterObjects();
  }

  private static Status rejection(int code, String reason, String message) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withCode(code)
        .withReason(reason)
        .withMessage(message)
        .build();
  }

  /**
   * Review C2/S2: the API server refuses the serving Deployment (422) for a value the mock accepts.
   * That is a permanent problem of the spec: Degraded with the API server's own message, not the
   * transient ReconcileFailed retried in a loop.
   */
  @Test
  void aDeploymentTheApiServerRejectsIsAPermanentReasonWithItsMessage() {
    startFakeDeploymentController();
    credentials(objectStore.endpoint());
    String message =
        "Deployment.apps \"serving-rejected\" is invalid:"
            + " spec.template.spec.containers[0].resources.requests[cpu]: Invalid value:"
            + " \"4 cores\": quantities must match the regular expression";
    server
        .expect()
        .post()
        .withPath("/apis/apps/v1/namespaces/" + namespace + "/deployments")
        .andReturn(422, rejection(422, "Invalid", message))
        .always();
    apply("rejected", "s3://models/tiny", null, ServingRuntime.BUILTIN);
    Condition degraded = awaitCondition("rejected", ConditionType.Degraded, "RejectedByApiServer");
    assertThat(degraded.isTrue()).isTrue();
    assertThat(degraded.message()).isEqualTo(message);
    assertThat(get("rejected").getStatus().condition(ConditionType.Ready).orElseThrow().isTrue())
        .isFalse();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(eventReasons("rejected")).contains("Warning/RejectedByApiServer"));
  }

  /** Review S2: a 409 (created meanwhile, stale resourceVersion) is retried, not reported. */
  @Test
  void aConflictOnTheDeploymentIsRetriedWithoutDegradedOrWarnings() {
    startFakeDeploymentController();
    credentials(objectStore.endpoint());
    server
        .expect()
        .post()
        .withPath("/apis/apps/v1/namespaces/" + namespace + "/deployments")
        .andReturn(409, rejection(409, "Conflict", "the object has been modified"))
        .once();
    apply("contended", "s3://models/tiny", null, ServingRuntime.BUILTIN);
    awaitCondition("contended", ConditionType.Ready, "Available");
    assertThat(
            client.apps().deployments().inNamespace(namespace).withName("serving-contended").get())
        .isNotNull();
    assertThat(eventReasons("contended")).noneMatch(e -> e.startsWith("Warning/"));
  }

  private void assertNoSecretInClusterObjects() {
    String everything =
        Serialization.asJson(client.resources(BaseModel.class).inNamespace(namespace).list())
            + Serialization.asJson(client.v1().events().inNamespace(namespace).list())
            + Serialization.asJson(client.apps().deployments().inNamespace(namespace).list())
            + Serialization.asJson(client.services().inNamespace(namespace).list());
    assertThat(everything).doesNotContain(EmbeddedObjectStore.SECRET_KEY);
  }
}
