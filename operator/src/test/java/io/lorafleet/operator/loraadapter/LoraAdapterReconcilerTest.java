package io.lorafleet.operator.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.jobs.ValidationSplit;
import io.lorafleet.api.v1alpha1.loraadapter.AdapterPlacement;
import io.lorafleet.api.v1alpha1.loraadapter.AdapterValidationSpec;
import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.CanaryStep;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.api.v1alpha1.loraadapter.ResidentCopy;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutEvaluationSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStrategy;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.loraadapter.evaluation.EvaluationDataset;
import io.lorafleet.operator.loraadapter.evaluation.EvaluationResources;
import io.lorafleet.operator.loraadapter.evaluation.GateSpecs;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.FakeServingPod;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.lorafleet.operator.testing.TestArtifacts;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * LoraAdapter reconciliation on the real control plane (RealCluster: the operator as the chart's
 * ServiceAccount, Pod Security "restricted" namespaces, real Deployment and ReplicaSet controllers
 * and scheduler), with real artifacts in S3Proxy and real HTTP to the serving pods. The pods run on
 * the kubelet stand-in with a simulated runtime: each serves a fake admin API on its own IP that
 * speaks the admin protocol and loads nothing (ServingPods), so these tests stay fast; pod
 * replacement is a real pod deletion and ReplicaSet replacement, a readiness flap is the pod's own
 * probe failing. The end-to-end test (e2e.LifecycleEndToEndTest) serves through the real server
 * image; the operator restart with 50 adapters runs with the packaged operator (OperatorRestartIT).
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class LoraAdapterReconcilerTest extends RealClusterTestBase {

  @Override
  protected String namespacePrefix() {
    return "lad";
  }

  @AfterAll
  static void theCaptureSawTheOutage() {
    assertTheCaptureSawTheOutages();
  }

  private List<String> events(String name) {
    return events("LoraAdapter", name);
  }

  /**
   * The per-pod gauge's samples of this test's pods (one pod, or all), as Prometheus shows them.
   */
  private String podGauge(String pod) {
    return "lorafleet_pod_adapters_loaded\\{base_model=\"base\",namespace=\""
        + namespace
        + "\""
        + (pod == null ? "" : ",pod=\"" + pod + "\"")
        + "[^}]*\\}";
  }

  private void baseModel(String name, int replicas, int maxRank) {
    baseModel(name, replicas, maxRank, 16);
  }

  private void baseModel(String name, int replicas, int maxRank, int maxCached) {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    model.setSpec(
        new BaseModelSpec(
            new ArtifactSource("s3://models/tiny", new SecretReference("s3"), null),
            new ServingSpec(
                replicas,
                ServingRuntime.BUILTIN,
                null,
                null,
                null,
                null,
                new AdapterSlots(4, maxCached, maxRank))));
    admin.resource(model).create();
  }

  private void awaitPods(String baseModel, int count) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> kubelet.servers(namespace, baseModel).size() == count);
  }

  private LoraAdapter adapter(
      String name, String base, String uri, IntOrString replicas, boolean deleteArtifact) {
    LoraAdapter adapter = adapter(name, base, uri, replicas);
    adapter.setSpec(
        new LoraAdapterSpec(
            adapter.getSpec().baseModelRef(),
            adapter.getSpec().artifact(),
            adapter.getSpec().placement(),
            null,
            deleteArtifact));
    return adapter;
  }

  private LoraAdapter adapter(String name, String base, String uri, IntOrString replicas) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new io.lorafleet.api.v1alpha1.common.LocalReference(base),
            new ArtifactSource(uri, new SecretReference("s3"), null),
            new Placement(replicas, PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false));
    return adapter;
  }

  private LoraAdapter get(String name) {
    return admin.resources(LoraAdapter.class).inNamespace(namespace).withName(name).get();
  }

  private Condition awaitReady(String name, String reason) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              LoraAdapter adapter = get(name);
              assertThat(adapter.getStatus()).as("status of %s", name).isNotNull();
              assertThat(adapter.getStatus().condition(ConditionType.Ready).map(Condition::reason))
                  .contains(reason);
            });
    return get(name).getStatus().condition(ConditionType.Ready).orElseThrow();
  }

  /** The operator's Prometheus endpoint, as a scraper reads it. */
  private static String metrics() throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    var port =
        org.eclipse.microprofile.config.ConfigProvider.getConfig()
            .getValue("quarkus.http.test-port", Integer.class);
    return http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://localhost:" + port + "/q/metrics"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static String uri(PublishedVersion version) {
    return version.uri().toString();
  }

  @Test
  void servesOnEveryPodFollowsReplacementsAndVersionsAndUnloadsOnDeletion() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/tone", 8, 1);
    baseModel("base", 2, 32);
    awaitPods("base", 2);
    admin.resource(adapter("tone", "base", uri(v1), new IntOrString("all"))).create();

    Condition ready = awaitReady("tone", "Placed");
    assertThat(ready.isTrue()).isTrue();
    LoraAdapter placed = get("tone");
    assertThat(placed.isReady()).isTrue();
    assertThat(placed.getStatus().digest()).isEqualTo("sha256:" + v1.digest());
    assertThat(placed.getStatus().rank()).isEqualTo(8);
    assertThat(placed.getStatus().targetModules()).containsExactly("k_proj", "q_proj");
    assertThat(placed.getStatus().lineage().fineTuneJob()).isEqualTo("tune-1");
    assertThat(placed.getStatus().placements())
        .extracting(AdapterPlacement::digest)
        .containsOnly("sha256:" + v1.digest());
    Map<String, FakeServingPod> servers = kubelet.servers(namespace, "base");
    assertThat(servers.values())
        .allSatisfy(s -> assertThat(s.loaded()).containsEntry("tone", "sha256:" + v1.digest()));

    String metrics = metrics();
    assertThat(metrics)
        .containsPattern("lorafleet_adapter_load_seconds_count\\{outcome=\"loaded\"[^}]*\\} [1-9]");
    assertThat(metrics).contains("lorafleet_adapters_loaded");
    for (String pod : servers.keySet()) {
      assertThat(metrics).containsPattern(podGauge(pod) + " 1\\.0");
    }

    // A replaced pod starts empty; the pod informer brings the adapter back without touching the
    // CR.
    String replaced = servers.keySet().iterator().next();
    String replacement = kubelet.replacePod(namespace, replaced);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(kubelet.servers(namespace, "base").get(replacement).loaded())
                  .containsKey("tone");
              assertThat(get("tone").getStatus().placements())
                  .extracting(AdapterPlacement::pod)
                  .contains(replacement)
                  .doesNotContain(replaced);
              assertThat(get("tone").getStatus().readyReplicas()).isEqualTo(2);
            });

    // A new version rolls out by swap under the same served name.
    PublishedVersion v2 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/tone", 8, 2);
    LoraAdapter current = get("tone");
    current.setSpec(
        new LoraAdapterSpec(
            current.getSpec().baseModelRef(),
            new ArtifactSource(uri(v2), new SecretReference("s3"), null),
            current.getSpec().placement(),
            null,
            false));
    admin.resource(current).update();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(get("tone").getStatus().digest()).isEqualTo("sha256:" + v2.digest());
              assertThat(get("tone").isReady()).isTrue();
              assertThat(kubelet.servers(namespace, "base").values())
                  .allSatisfy(
                      s -> assertThat(s.loaded()).containsEntry("tone", "sha256:" + v2.digest()));
            });

    // Deletion unloads everywhere before the finalizer goes.
    admin.resource(get("tone")).delete();
    awaitGone("tone", Duration.ofSeconds(30));
    assertThat(kubelet.servers(namespace, "base").values())
        .allSatisfy(s -> assertThat(s.loaded()).isEmpty());
    // No adapter left on the pods: their series are gone, so pods that come and go do not pile up.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(metrics()).doesNotContainPattern(podGauge(null)));
    assertThat(events("tone")).contains("Normal/Placed");

    assertThat(kubelet.allRequestBodies())
        .isNotEmpty()
        .noneMatch(b -> b.contains(EmbeddedObjectStore.SECRET_KEY));
    assertThat(Serialization.asJson(admin.v1().events().inNamespace(namespace).list()))
        .contains("\"Placed\"")
        .doesNotContain(EmbeddedObjectStore.SECRET_KEY);
  }

  @Test
  void anObjectStoreOutageDegradesIsRetriedAndPlacesWhenTheStoreIsBack() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/late", 4, 9);
    baseModel("base", 1, 32);
    awaitPods("base", 1);
    objectStore.stop();
    try {
      admin.resource(adapter("late", "base", uri(v1), new IntOrString("all"))).create();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(get("late").getStatus()).isNotNull();
                Condition degraded =
                    get("late").getStatus().condition(ConditionType.Degraded).orElseThrow();
                assertThat(degraded.isTrue()).isTrue();
                assertThat(degraded.reason()).isEqualTo("ObjectStoreUnavailable");
              });
      assertThat(get("late").isReady()).isFalse();
      await()
          .untilAsserted(
              () -> assertThat(events("late")).contains("Warning/ObjectStoreUnavailable"));
      assertThat(kubelet.servers(namespace, "base").values())
          .allSatisfy(s -> assertThat(s.loaded()).isEmpty());
    } finally {
      objectStore.restart();
    }
    // The retry with back-off finds the store back on the same endpoint; nothing else changed.
    awaitReady("late", "Placed");
    assertThat(get("late").getStatus().condition(ConditionType.Degraded).orElseThrow().isTrue())
        .isFalse();
    assertThat(kubelet.servers(namespace, "base").values())
        .allSatisfy(s -> assertThat(s.loaded()).containsEntry("late", "sha256:" + v1.digest()));
    await().untilAsserted(() -> assertThat(events("late")).contains("Normal/Placed"));
  }

  /** Load requests each fake pod received, by pod name. */
  private Map<String, Long> loadRequests() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    kubelet
        .servers(namespace, "base")
        .forEach(
            (pod, server) ->
                counts.put(
                    pod,
                    server.requestBodies().stream().filter(b -> b.contains("lora_path")).count()));
    return counts;
  }

  /** The pod's readiness probe fails (or succeeds again); the kubelet stand-in reports it. */
  private void setReady(String pod, boolean ready) {
    kubelet.servers(namespace, "base").get(pod).ready(ready);
  }

  /** Review I1: a pod that is briefly not ready (readiness timeout under load) keeps its slots. */
  @Test
  void aReadinessFlapDoesNotReloadThePodsAdapters() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/steady", 4, 5);
    baseModel("base", 2, 32);
    awaitPods("base", 2);
    admin.resource(adapter("steady", "base", uri(v1), new IntOrString("all"))).create();
    awaitReady("steady", "Placed");
    Map<String, Long> loadsBefore = loadRequests();
    String pod = loadsBefore.keySet().iterator().next();

    setReady(pod, false);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Integer.valueOf(1).equals(get("steady").getStatus().readyReplicas()));
    setReady(pod, true);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Integer.valueOf(2).equals(get("steady").getStatus().readyReplicas()));
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> true);
    assertThat(loadRequests()).isEqualTo(loadsBefore);
  }

  /**
   * Review S4: a pod that answers 500 to every unload holds the adapter's deletion only for the
   * unload timeout (10 s in tests), then a Warning Event names it.
   */
  @Test
  void aPodThatRefusesUnloadsHoldsTheDeletionOnlyUntilTheTimeout() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/stuck", 4, 6);
    baseModel("base", 1, 32);
    awaitPods("base", 1);
    admin.resource(adapter("stuck", "base", uri(v1), new IntOrString("all"))).create();
    awaitReady("stuck", "Placed");
    kubelet.servers(namespace, "base").values().forEach(server -> server.failUnloads(500));
    admin.resource(get("stuck")).delete();
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> get("stuck") != null);
    awaitGone("stuck", Duration.ofSeconds(40));
    assertThat(events("stuck")).contains("Warning/UnloadAbandoned");
  }

  /**
   * A pod that accepts the unload and never answers holds the deletion only until the configured
   * unload timeout (10 s in tests), not for a wait of the operator's own: before, the cleanup
   * blocked its thread 30 s on each unanswered call, so a 10 s timeout became 30 s.
   */
  @Test
  void aPodThatNeverAnswersUnloadsHoldsTheDeletionOnlyUntilTheTimeout() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/silent", 4, 9);
    baseModel("base", 1, 32);
    awaitPods("base", 1);
    admin.resource(adapter("silent", "base", uri(v1), new IntOrString("all"))).create();
    awaitReady("silent", "Placed");
    kubelet.servers(namespace, "base").values().forEach(FakeServingPod::hangUnloads);
    long requested = System.nanoTime();
    admin.resource(get("silent")).delete();
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> get("silent") != null);
    awaitGone("silent", Duration.ofSeconds(25));
    assertThat(Duration.ofNanos(System.nanoTime() - requested))
        .as("deletion held past the 10 s unload timeout by more than the retry period")
        .isLessThan(Duration.ofSeconds(22));
    assertThat(Serialization.asJson(admin.v1().events().inNamespace(namespace).list()))
        .contains("UnloadAbandoned")
        .contains("(no answer)");
  }

  /**
   * Waits until the adapter is gone; on timeout the failure says what held it (finalizers,
   * conditions, its events, what its pods were asked), since a bare timeout says nothing in CI.
   */
  private void awaitGone(String name, Duration bound) {
    try {
      await().atMost(bound).until(() -> get(name) == null);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      LoraAdapter left = get(name);
      throw new AssertionError(
          name
              + " still present after "
              + bound.toSeconds()
              + " s: "
              + (left == null
                  ? "gone meanwhile"
                  : "deletionTimestamp="
                      + left.getMetadata().getDeletionTimestamp()
                      + " finalizers="
                      + left.getMetadata().getFinalizers()
                      + " status="
                      + Serialization.asJson(left.getStatus()))
              + " events="
              + events(name)
              + " pod requests="
              + kubelet.servers(namespace, "base").values().stream()
                  .map(FakeServingPod::requests)
                  .toList(),
          e);
    }
  }

  /**
   * Review I2: the admin token Secret is rotated (its value replaced, as a GitOps tool or a
   * recreation does); the kubelet refreshes the pods' file. The operator must use the new token
   * without a restart.
   */
  @Test
  void aRotatedAdminTokenIsUsedWithoutARestart() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/before", 4, 7);
    PublishedVersion v2 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/after", 4, 8);
    baseModel("base", 1, 32);
    awaitPods("base", 1);
    admin.resource(adapter("before", "base", uri(v1), new IntOrString("all"))).create();
    awaitReady("before", "Placed");
    admin
        .secrets()
        .inNamespace(namespace)
        .withName("admin-token-base")
        .edit(
            secret -> {
              secret
                  .getData()
                  .put(
                      "token",
                      java.util.Base64.getEncoder()
                          .encodeToString(
                              ("rotated-" + UUID.randomUUID())
                                  .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
              return secret;
            });
    admin.resource(adapter("after", "base", uri(v2), new IntOrString("all"))).create();
    awaitReady("after", "Placed");
  }

  /**
   * Review I3: one pool's pod hangs on every load (each call waits out the 120 s timeout). Loads on
   * another pool's pod must not queue behind it: a hung pod holds at most 2 of the 8 workers.
   */
  @Test
  void aHungPodDoesNotStallLoadsOnOtherPools() throws Exception {
    baseModel("base", 1, 32);
    baseModel("other", 1, 32);
    awaitPods("base", 1);
    awaitPods("other", 1);
    kubelet.servers(namespace, "base").values().forEach(FakeServingPod::hangLoads);
    for (int i = 0; i < 12; i++) {
      PublishedVersion v =
          TestArtifacts.publishAdapter(
              objectStore.client(), "s3://adapters/" + namespace + "/h" + i, 4, 200 + i);
      admin.resource(adapter("h" + i, "base", uri(v), new IntOrString("all"))).create();
    }
    // Let the hung pod's loads take the workers first.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                kubelet.servers(namespace, "base").values().stream()
                        .mapToLong(
                            s ->
                                s.requestBodies().stream()
                                    .filter(b -> b.contains("lora_path"))
                                    .count())
                        .sum()
                    >= 1);
    Thread.sleep(2000);
    PublishedVersion fine =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/fine", 4, 299);
    admin.resource(adapter("fine", "other", uri(fine), new IntOrString("all"))).create();
    awaitReady("fine", "Placed");
  }

  @Test
  void placesOnAsManyPodsAsAsked() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/one", 4, 3);
    baseModel("base", 3, 32);
    awaitPods("base", 3);
    admin.resource(adapter("one", "base", uri(v1), new IntOrString(1))).create();
    awaitReady("one", "Placed");
    assertThat(get("one").getStatus().desiredReplicas()).isEqualTo(1);
    assertThat(
            kubelet.servers(namespace, "base").values().stream()
                .filter(s -> s.loaded().containsKey("one"))
                .count())
        .isEqualTo(1);
  }

  /**
   * Issue 18, status: where the pods themselves report the adapter (their state reports), the copy
   * placement keeps warm and the demand copies requests loaded; a pod's answers that change nothing
   * for the adapter write nothing.
   */
  @Test
  void statusShowsWhereThePodsReportTheAdapterWarmOrOnDemand() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/where", 4, 7);
    String digest = "sha256:" + v1.digest();
    baseModel("base", 2, 32);
    awaitPods("base", 2);
    admin.resource(adapter("where", "base", uri(v1), new IntOrString(1))).create();
    awaitReady("where", "Placed");
    Map<String, FakeServingPod> servers = kubelet.servers(namespace, "base");
    String warm =
        servers.entrySet().stream()
            .filter(e -> e.getValue().loaded().containsKey("where"))
            .findFirst()
            .orElseThrow()
            .getKey();
    String other = servers.keySet().stream().filter(p -> !p.equals(warm)).findFirst().orElseThrow();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get("where").getStatus().residency())
                    .containsExactly(new ResidentCopy(warm, ResidentCopy.CopyKind.Warm)));
    assertThat(get("where").getStatus().residentReplicas()).isEqualTo(1);
    assertThat(get("where").getStatus().demandReplicas()).isZero();

    // A request loaded it on the other pod (in the host tier): a demand copy.
    servers.get(other).demandCopy("where", digest, "host");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              LoraAdapter a = get("where");
              assertThat(a.getStatus().residency())
                  .containsExactlyInAnyOrder(
                      new ResidentCopy(warm, ResidentCopy.CopyKind.Warm),
                      new ResidentCopy(other, ResidentCopy.CopyKind.Demand));
              assertThat(a.getStatus().residentReplicas()).isEqualTo(2);
              assertThat(a.getStatus().demandReplicas()).isEqualTo(1);
            });

    // Answers that change nothing for it (its copy moved to another tier, another adapter's copy
    // came) write nothing.
    String version = get("where").getMetadata().getResourceVersion();
    servers.get(other).demandCopy("where", digest, "disk");
    servers.get(other).demandCopy("someone-else", digest, "disk");
    int asked = servers.get(other).stateRequests();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> servers.get(other).stateRequests() >= asked + 2);
    assertThat(get("where").getMetadata().getResourceVersion()).isEqualTo(version);

    // The other pod's LRU retired it.
    servers.get(other).demandCopy("where", null, null);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(get("where").getStatus().residentReplicas()).isEqualTo(1);
              assertThat(get("where").getStatus().demandReplicas()).isZero();
            });
  }

  @Test
  void aRankAboveThePoolLimitIsRefusedBeforeAnyLoad() throws Exception {
    PublishedVersion big =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/big", 64, 4);
    baseModel("base", 2, 32);
    awaitPods("base", 2);
    admin.resource(adapter("big", "base", uri(big), new IntOrString("all"))).create();
    Condition ready = awaitReady("big", "RankTooLarge");
    assertThat(ready.isTrue()).isFalse();
    assertThat(get("big").getStatus().condition(ConditionType.Degraded).orElseThrow().isTrue())
        .isTrue();
    assertThat(kubelet.servers(namespace, "base").values())
        .allSatisfy(s -> assertThat(s.requestBodies()).isEmpty());
  }

  @Test
  void waitsForABaseModelAppliedLater() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/early", 4, 5);
    admin.resource(adapter("early", "later", uri(v1), new IntOrString("all"))).create();
    Condition waiting = awaitReady("early", "BaseModelNotFound");
    assertThat(get("early").getStatus().condition(ConditionType.Degraded).orElseThrow().isTrue())
        .isFalse();
    assertThat(waiting.message()).contains("BaseModel later does not exist");
    baseModel("later", 1, 32);
    awaitReady("early", "Placed");
  }

  @Test
  void anAdapterWithoutEffectIsNotReadyUnlessTheSpecAllowsIt() throws Exception {
    PublishedVersion flat =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/flat", 4, 11);
    PublishedVersion lively =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/lively", 4, 12);
    baseModel("base", 1, 32);
    awaitPods("base", 1);
    kubelet.servers(namespace, "base").values().forEach(s -> s.withoutEffect("flat"));
    admin.resource(adapter("flat", "base", uri(flat), new IntOrString("all"))).create();
    admin.resource(adapter("lively", "base", uri(lively), new IntOrString("all"))).create();
    Condition refused = awaitReady("flat", "NoEffect");
    assertThat(refused.isTrue()).isFalse();
    assertThat(refused.message())
        .contains("output equals the base model's", "0.0", "spec.validation.allowNoEffect");
    assertThat(get("flat").isReady()).isFalse();
    assertThat(awaitReady("lively", "Placed").isTrue()).isTrue();

    // Allowed on purpose (a freshly initialised adapter): the same version becomes Ready.
    LoraAdapter allowed = get("flat");
    LoraAdapterSpec spec = allowed.getSpec();
    allowed.setSpec(
        new LoraAdapterSpec(
            spec.baseModelRef(),
            spec.artifact(),
            spec.placement(),
            spec.servedName(),
            spec.deleteArtifactOnRemoval(),
            new AdapterValidationSpec(true),
            null));
    admin.resource(allowed).update();
    assertThat(awaitReady("flat", "Placed").isTrue()).isTrue();
  }

  @Test
  void aCanaryWithAnEvaluationGateWaitsForItsJobAReplacedCandidateLosesItsJobAndAbortRollsBack()
      throws Exception {
    String prefix = "s3://adapters/" + namespace + "/canary";
    PublishedVersion v1 = TestArtifacts.publishAdapter(objectStore.client(), prefix, 4, 13);
    PublishedVersion v2 = TestArtifacts.publishAdapter(objectStore.client(), prefix, 4, 14);
    PublishedVersion v3 = TestArtifacts.publishAdapter(objectStore.client(), prefix, 4, 15);
    baseModel("base", 1, 32);
    awaitPods("base", 1);
    admin
        .resource(
            gated(
                "canary",
                "base",
                v1,
                List.of(new CanaryStep(10, "5m", null), new CanaryStep(100, null, null)),
                GateSpecs.gate("s3://datasets/eval", null, null, "datasets")))
        .create();
    awaitReady("canary", "Placed");

    // A new version: Evaluating at weight 0, its Job made, nothing loaded as the canary. (The
    // simulated kubelet runs no evaluator pod: the Job stays running.)
    patchArtifact("canary", v2);
    Condition evaluating = awaitReady("canary", "CanaryEvaluating");
    assertThat(evaluating.isTrue()).as("stable serves meanwhile").isTrue();
    RolloutStatus rollout = get("canary").getStatus().rollout();
    assertThat(rollout.phase()).isEqualTo(RolloutPhase.Evaluating);
    assertThat(rollout.weight()).isZero();
    assertThat(rollout.canaryDigest()).isEqualTo("sha256:" + v2.digest());
    String job2 = EvaluationResources.jobName(get("canary"), "sha256:" + v2.digest());
    await().atMost(Duration.ofSeconds(30)).until(() -> evaluationJobs().contains(job2));
    Job job = admin.batch().v1().jobs().inNamespace(namespace).withName(job2).get();
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(get("canary").getMetadata().getUid()));
    assertThat(evaluationArgs(job2))
        .containsSubsequence("--candidate", rollout.canaryVersion())
        .containsSubsequence("--stable", rollout.stableVersion())
        .containsSubsequence("--dataset", "s3://datasets/eval")
        .containsSubsequence("--credentials-dir", "/var/run/lorafleet/credentials/datasets");
    assertThat(kubelet.servers(namespace, "base").values())
        .allSatisfy(s -> assertThat(s.loads()).doesNotContain("canary@canary"));

    // Replaced while Evaluating: the old Job goes, the new candidate gets its own.
    patchArtifact("canary", v3);
    String job3 = EvaluationResources.jobName(get("canary"), "sha256:" + v3.digest());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(evaluationJobs()).containsExactly(job3));
    assertThat(get("canary").getStatus().rollout().phase()).isEqualTo(RolloutPhase.Evaluating);

    // Abort, pinned to the candidate: rolled back before any traffic, its Job deleted.
    admin
        .resources(LoraAdapter.class)
        .inNamespace(namespace)
        .withName("canary")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"rollout\":{\"canary\":{\"decision\":{\"digest\":\"sha256:"
                + v3.digest()
                + "\",\"action\":\"Abort\"}}}}}");
    Condition back = awaitReady("canary", "RolledBack");
    assertThat(back.isTrue()).isTrue();
    RolloutStatus rolledBack = get("canary").getStatus().rollout();
    assertThat(rolledBack.phase()).isEqualTo(RolloutPhase.RolledBack);
    assertThat(rolledBack.message()).contains("aborted by spec.rollout.canary.decision");
    assertThat(rolledBack.stableDigest()).isEqualTo("sha256:" + v1.digest());
    assertThat(get("canary").getStatus().digest()).isEqualTo("sha256:" + v1.digest());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(evaluationJobs()).isEmpty());
    assertThat(kubelet.servers(namespace, "base").values())
        .allSatisfy(s -> assertThat(s.loads()).doesNotContain("canary@canary"));

    // Switched to Immediate while a candidate is evaluated: it serves at once and its Job goes.
    PublishedVersion v4 = TestArtifacts.publishAdapter(objectStore.client(), prefix, 4, 16);
    patchArtifact("canary", v4);
    String job4 = EvaluationResources.jobName(get("canary"), "sha256:" + v4.digest());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(evaluationJobs()).containsExactly(job4));
    admin
        .resources(LoraAdapter.class)
        .inNamespace(namespace)
        .withName("canary")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"rollout\":{\"strategy\":\"Immediate\",\"canary\":null}}}");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(get("canary").getStatus().digest()).isEqualTo("sha256:" + v4.digest());
              assertThat(evaluationJobs()).as("the abandoned evaluation's Job").isEmpty();
            });
  }

  @Test
  void aGateWithoutADatasetScoresTheCandidatesValidationSplitOrRollsBackWithNoEvaluationDataset()
      throws Exception {
    String prefix = "s3://adapters/" + namespace + "/tuned";
    String split = prefix + "/validation/sha256-" + "ab".repeat(32) + ".jsonl";
    PublishedVersion v1 = TestArtifacts.publishAdapter(objectStore.client(), prefix, 4, 23);
    // As a FineTuneJob's trainer publishes it: the lineage names the rows it held out.
    PublishedVersion trained =
        TestArtifacts.publishAdapter(
            objectStore.client(),
            prefix,
            4,
            24,
            new ValidationSplit(split, "sha256:" + "ab".repeat(32), DatasetFormat.CHAT, 64)
                .lineage());
    PublishedVersion bare = TestArtifacts.publishAdapter(objectStore.client(), prefix, 4, 25);
    baseModel("tunedbase", 1, 32);
    awaitPods("tunedbase", 1);
    // No datasetUri: each candidate brings its own rows, or none.
    admin
        .resource(
            gated(
                "tuned",
                "tunedbase",
                v1,
                List.of(new CanaryStep(100, null, null)),
                GateSpecs.gate(null, null, null, null)))
        .create();
    awaitReady("tuned", "Placed");

    patchArtifact("tuned", trained);
    awaitReady("tuned", "CanaryEvaluating");
    String job = EvaluationResources.jobName(get("tuned"), "sha256:" + trained.digest());
    await().atMost(Duration.ofSeconds(30)).until(() -> evaluationJobs().contains(job));
    assertThat(evaluationArgs(job))
        .containsSubsequence("--dataset", split)
        .containsSubsequence("--dataset-digest", "sha256:" + "ab".repeat(32))
        .containsSubsequence("--format", "chat")
        .containsSubsequence("--max-sequence-length", "64")
        // The split is next to the adapter's versions: read with spec.artifact's Secret.
        .containsSubsequence("--dataset-credentials-dir", "/var/run/lorafleet/credentials/s3")
        .doesNotContain("--safety-dataset");

    // A candidate with no split of its own: rolled back at once, with the reason, and no Job.
    patchArtifact("tuned", bare);
    Condition back = awaitReady("tuned", "RolledBack");
    assertThat(back.isTrue()).as("stable serves").isTrue();
    RolloutStatus rollout = get("tuned").getStatus().rollout();
    assertThat(rollout.phase()).isEqualTo(RolloutPhase.RolledBack);
    assertThat(rollout.canaryDigest()).isEqualTo("sha256:" + bare.digest());
    assertThat(rollout.stableDigest()).isEqualTo("sha256:" + v1.digest());
    assertThat(rollout.message())
        .contains(EvaluationDataset.MISSING)
        .contains("no datasetUri")
        .contains("its lineage names no validation split");
    assertThat(back.message()).contains(EvaluationDataset.MISSING);
    assertThat(get("tuned").getStatus().digest()).isEqualTo("sha256:" + v1.digest());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(evaluationJobs()).doesNotContain(job));
    assertThat(evaluationJobs())
        .doesNotContain(EvaluationResources.jobName(get("tuned"), "sha256:" + bare.digest()));
  }

  /** A Canary adapter on every pod of {@code base}, serving {@code version}, with a gate. */
  private LoraAdapter gated(
      String name,
      String base,
      PublishedVersion version,
      List<CanaryStep> steps,
      RolloutEvaluationSpec gate) {
    LoraAdapter adapter = adapter(name, base, uri(version), new IntOrString("all"));
    LoraAdapterSpec spec = adapter.getSpec();
    adapter.setSpec(
        new LoraAdapterSpec(
            spec.baseModelRef(),
            spec.artifact(),
            spec.placement(),
            null,
            false,
            null,
            new RolloutSpec(RolloutStrategy.Canary, new CanarySpec(steps, null, gate, null))));
    return adapter;
  }

  /** The arguments of the evaluation Job {@code name}. */
  private List<String> evaluationArgs(String name) {
    return admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(name)
        .get()
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .getFirst()
        .getArgs();
  }

  private void patchArtifact(String name, PublishedVersion version) {
    admin
        .resources(LoraAdapter.class)
        .inNamespace(namespace)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"artifact\":{\"uri\":\"" + uri(version) + "\"}}}");
  }

  /** The evaluation Jobs of the namespace that are not being deleted. */
  private List<String> evaluationJobs() {
    return admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withLabelSelector(EvaluationResources.SELECTOR)
        .list()
        .getItems()
        .stream()
        .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
        .map(j -> j.getMetadata().getName())
        .toList();
  }

  @Test
  void aPodsRefusalBlocksWithTheServersReason() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/refused", 4, 6);
    baseModel("base", 1, 32);
    awaitPods("base", 1);
    kubelet.servers(namespace, "base").values().forEach(s -> s.refuse("refused", "ShapeMismatch"));
    admin.resource(adapter("refused", "base", uri(v1), new IntOrString("all"))).create();
    Condition ready = awaitReady("refused", "ShapeMismatch");
    assertThat(ready.message()).isEqualTo("refused by the pod");
  }

  @Test
  void missingOrMismatchedArtifactsAreReportedPrecisely() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/pin", 4, 7);
    baseModel("base", 1, 32);
    admin
        .resource(
            adapter(
                "missing",
                "base",
                "s3://adapters/" + namespace + "/nothing",
                new IntOrString("all")))
        .create();
    assertThat(awaitReady("missing", "ArtifactNotFound").message()).contains("lorafleet push");

    LoraAdapter pinned = adapter("pinned", "base", uri(v1), new IntOrString("all"));
    pinned.setSpec(
        new LoraAdapterSpec(
            pinned.getSpec().baseModelRef(),
            new ArtifactSource(uri(v1), new SecretReference("s3"), "sha256:" + "f".repeat(64)),
            pinned.getSpec().placement(),
            null,
            false));
    admin.resource(pinned).create();
    assertThat(awaitReady("pinned", "DigestMismatch").message())
        .contains("spec pins sha256:" + "f".repeat(64));
  }

  @Test
  void deletesItsArtifactOnRemovalUnlessAnotherAdapterServesIt() throws Exception {
    PublishedVersion v1 =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/shared", 4, 8);
    String manifest = v1.uri().prefix() + "manifest.json";
    baseModel("base", 1, 32);
    admin.resource(adapter("first", "base", uri(v1), new IntOrString("all"), true)).create();
    admin.resource(adapter("second", "base", uri(v1), new IntOrString("all"), false)).create();
    awaitReady("first", "Placed");
    awaitReady("second", "Placed");

    admin.resource(get("first")).delete();
    awaitGone("first", Duration.ofSeconds(30));
    assertThat(objectStore.client().stat(v1.uri().bucket(), manifest))
        .as("kept for second")
        .isPresent();
    assertThat(Serialization.asJson(admin.v1().events().inNamespace(namespace).list()))
        .contains("ArtifactKept");

    LoraAdapter second = get("second");
    second.setSpec(
        new LoraAdapterSpec(
            second.getSpec().baseModelRef(),
            second.getSpec().artifact(),
            second.getSpec().placement(),
            null,
            true));
    admin.resource(second).update();
    admin.resource(get("second")).delete();
    awaitGone("second", Duration.ofSeconds(30));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(objectStore.client().stat(v1.uri().bucket(), manifest)).isEmpty());
  }
}
