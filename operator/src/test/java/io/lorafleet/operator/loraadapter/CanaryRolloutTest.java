package io.lorafleet.operator.loraadapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.CanaryDecision;
import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.CanaryStep;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.api.v1alpha1.loraadapter.OnlineAnalysisSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStrategy;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.testing.FakeServingPod;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.lorafleet.operator.testing.TestArtifacts;
import io.lorafleet.operator.testing.TestOperatorConfig;
import io.lorafleet.serving.router.RolloutTraffic;
import io.lorafleet.testcluster.kubelet.SimulatedRuntime;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Canary rollouts of LoraAdapter versions on the real control plane: fake serving pods (loads are
 * recorded, not performed) and, for the online analysis, router pods whose {@code GET
 * /v1/router/rollouts} answers what the test sets. The real router's split is tested with the
 * router; here the operator's side: what is loaded where, status.rollout, steps, decisions,
 * promotion, rollback and Events.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class CanaryRolloutTest extends RealClusterTestBase {
  @jakarta.inject.Inject PublishedAdapters published;

  /** The routers' answer (the body of GET /v1/router/rollouts), set by the analysis test. */
  private static volatile String routerRollouts = "{\"rollouts\":[]}";

  @Override
  protected String namespacePrefix() {
    return "canary";
  }

  @BeforeAll
  static void routerPodsAnswerTheTestsTraffic() {
    kubelet.run(
        new TestOperatorConfig().routerImage(),
        SimulatedRuntime.serving(
            SimulatedRuntime.http(
                exchange -> {
                  byte[] body =
                      (exchange.getRequestURI().getPath().equals("/v1/router/rollouts")
                              ? routerRollouts
                              : "{}")
                          .getBytes(StandardCharsets.UTF_8);
                  exchange.sendResponseHeaders(200, body.length);
                  exchange.getResponseBody().write(body);
                  exchange.close();
                })));
  }

  private void baseModel(int replicas) {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName("base").withNamespace(namespace).build());
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
                new AdapterSlots(4, 16, 32))));
    admin.resource(model).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> kubelet.servers(namespace, "base").size() == replicas);
  }

  private PublishedVersion publish(int seed) throws Exception {
    return TestArtifacts.publishAdapter(
        objectStore.client(), "s3://adapters/" + namespace + "/tone", 4, seed);
  }

  private void canaryAdapter(PublishedVersion version, CanarySpec canary) {
    canaryAdapter(version, canary, "all");
  }

  private void canaryAdapter(PublishedVersion version, CanarySpec canary, String replicas) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName("tone").withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference("base"),
            new ArtifactSource(version.uri().toString(), new SecretReference("s3"), null),
            new Placement(
                replicas.equals("all")
                    ? new IntOrString("all")
                    : new IntOrString(Integer.parseInt(replicas)),
                PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false,
            null,
            new RolloutSpec(RolloutStrategy.Canary, canary)));
    admin.resource(adapter).create();
  }

  private LoraAdapter get() {
    return admin.resources(LoraAdapter.class).inNamespace(namespace).withName("tone").get();
  }

  private void edit(Consumer<LoraAdapterSpec[]> change) {
    LoraAdapter current = get();
    LoraAdapterSpec[] spec = {current.getSpec()};
    change.accept(spec);
    current.setSpec(spec[0]);
    admin.resource(current).update();
  }

  private void newVersion(PublishedVersion version) {
    edit(
        s ->
            s[0] =
                new LoraAdapterSpec(
                    s[0].baseModelRef(),
                    new ArtifactSource(version.uri().toString(), new SecretReference("s3"), null),
                    s[0].placement(),
                    null,
                    false,
                    null,
                    s[0].rollout()));
  }

  private void decide(CanaryDecision decision) {
    edit(
        s -> {
          CanarySpec c = s[0].rollout().canary();
          s[0] =
              new LoraAdapterSpec(
                  s[0].baseModelRef(),
                  s[0].artifact(),
                  s[0].placement(),
                  null,
                  false,
                  null,
                  new RolloutSpec(
                      RolloutStrategy.Canary,
                      new CanarySpec(
                          c.steps(), c.stickiness(), c.evaluation(), c.analysis(), decision)));
        });
  }

  private RolloutStatus awaitRollout(RolloutPhase phase, int step) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(get().getStatus()).isNotNull();
              RolloutStatus rollout = get().getStatus().rollout();
              assertThat(rollout).isNotNull();
              assertThat(rollout.phase()).isEqualTo(phase);
              assertThat(rollout.step()).isEqualTo(step);
              // Progressing at step 0 with weight 0 is the canary still loading: not yet a step.
              assertThat(rollout.stepStartedAt()).isNotNull();
            });
    return get().getStatus().rollout();
  }

  private Condition ready() {
    LoraAdapter adapter = get();
    assertThat(adapter.getStatus()).as("status").isNotNull();
    return adapter.getStatus().condition(ConditionType.Ready).orElseThrow(AssertionError::new);
  }

  private List<String> events() {
    return events("LoraAdapter", "tone");
  }

  private static String digest(PublishedVersion version) {
    return "sha256:" + version.digest();
  }

  @Test
  void aNewVersionIsLoadedNextToStableStepsThroughPausesAndIsPromoted() throws Exception {
    PublishedVersion v1 = publish(31);
    PublishedVersion v2 = publish(32);
    baseModel(2);
    canaryAdapter(
        v1,
        new CanarySpec(
            List.of(
                new CanaryStep(10, "2s", null),
                new CanaryStep(50, null, null),
                new CanaryStep(100, null, null)),
            null,
            null,
            null));
    // The first version has nothing to compare with: it serves at once.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(ready().reason()).isEqualTo("Placed"));
    assertThat(get().getStatus().rollout().stableDigest()).isEqualTo(digest(v1));
    assertThat(get().getStatus().rollout().phase()).isNull();

    newVersion(v2);
    RolloutStatus step0 = awaitRollout(RolloutPhase.Progressing, 0);
    assertThat(step0.weight()).isEqualTo(10);
    assertThat(step0.canaryDigest()).isEqualTo(digest(v2));
    assertThat(step0.stableDigest()).isEqualTo(digest(v1));
    assertThat(get().getStatus().digest()).as("stable still serves").isEqualTo(digest(v1));
    // Both versions on every pod, loaded and registered: stable under the served name, the new
    // one as tone@canary.
    assertThat(kubelet.servers(namespace, "base").values())
        .hasSize(2)
        .allSatisfy(
            pod -> {
              assertThat(pod.loaded())
                  .containsEntry("tone", digest(v1))
                  .containsEntry("tone@canary", digest(v2));
              assertThat(pod.registered())
                  .containsEntry("tone", digest(v1))
                  .containsEntry("tone@canary", digest(v2));
            });

    // A step without pause or analysis waits for a person, after the 2 s pause of step 0.
    RolloutStatus step1 = awaitRollout(RolloutPhase.Paused, 1);
    assertThat(step1.weight()).isEqualTo(50);
    assertThat(
            Duration.between(
                Instant.parse(step0.stepStartedAt()), Instant.parse(step1.stepStartedAt())))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(ready().reason()).isEqualTo("CanaryPaused");
    assertThat(ready().message()).contains("Continue with step 1");
    assertThat(ready().observedGeneration()).isEqualTo(get().getMetadata().getGeneration());

    // A decision about another version changes nothing.
    decide(new CanaryDecision(digest(v1), CanaryDecision.Action.Continue, 1));
    Thread.sleep(2_000);
    assertThat(get().getStatus().rollout().phase()).isEqualTo(RolloutPhase.Paused);

    // Continue: the last step (100 %, no pause) promotes.
    decide(new CanaryDecision(digest(v2), CanaryDecision.Action.Continue, 1));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              RolloutStatus rollout = get().getStatus().rollout();
              assertThat(rollout.phase()).isEqualTo(RolloutPhase.Promoted);
              assertThat(rollout.weight()).isEqualTo(100);
              assertThat(rollout.stableDigest()).isEqualTo(digest(v2));
              assertThat(get().getStatus().digest()).isEqualTo(digest(v2));
              assertThat(kubelet.servers(namespace, "base").values())
                  .allSatisfy(
                      pod -> {
                        assertThat(pod.loaded())
                            .containsEntry("tone", digest(v2))
                            .doesNotContainKey("tone@canary");
                        assertThat(pod.registered())
                            .containsEntry("tone", digest(v2))
                            .doesNotContainKey("tone@canary");
                      });
            });
    assertThat(ready().reason()).isEqualTo("Promoted");
    assertThat(events())
        .contains(
            "Normal/CanaryStarted",
            "Normal/CanaryStep",
            "Normal/CanaryPaused",
            "Normal/Promoting",
            "Normal/Promoted");
  }

  @Test
  void anAbortRollsBackToStableUnloadsTheCanaryAndStaysRolledBack() throws Exception {
    PublishedVersion v1 = publish(41);
    PublishedVersion v2 = publish(42);
    baseModel(1);
    canaryAdapter(
        v1,
        new CanarySpec(
            List.of(new CanaryStep(20, null, null), new CanaryStep(100, null, null)),
            null,
            null,
            null));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(ready().reason()).isEqualTo("Placed"));
    newVersion(v2);
    awaitRollout(RolloutPhase.Paused, 0);
    FakeServingPod pod = kubelet.servers(namespace, "base").values().iterator().next();
    assertThat(pod.loaded()).containsEntry("tone@canary", digest(v2));

    decide(new CanaryDecision(digest(v2), CanaryDecision.Action.Abort, null));
    RolloutStatus back = awaitRollout(RolloutPhase.RolledBack, 0);
    assertThat(back.weight()).isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(pod.loaded())
                  .containsEntry("tone", digest(v1))
                  .doesNotContainKey("tone@canary");
              assertThat(pod.registered()).doesNotContainKey("tone@canary");
            });
    assertThat(ready().isTrue()).as("stable serves").isTrue();
    assertThat(ready().reason()).isEqualTo("RolledBack");
    assertThat(ready().message()).contains(digest(v2) + " rolled back").contains("aborted");
    assertThat(get().getStatus().digest()).isEqualTo(digest(v1));
    assertThat(events()).contains("Warning/RolledBack");

    // The rolled-back version is not tried again while the spec names it.
    List<String> loads = new ArrayList<>(pod.loads());
    Thread.sleep(2_000);
    assertThat(get().getStatus().rollout().phase()).isEqualTo(RolloutPhase.RolledBack);
    assertThat(pod.loads()).isEqualTo(loads);
  }

  @Test
  void switchingToImmediateDuringARolloutServesTheNewVersionAndUnloadsTheCanary() throws Exception {
    PublishedVersion v1 = publish(45);
    PublishedVersion v2 = publish(46);
    baseModel(1);
    canaryAdapter(
        v1,
        new CanarySpec(
            List.of(new CanaryStep(20, null, null), new CanaryStep(100, null, null)),
            null,
            null,
            null));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(ready().reason()).isEqualTo("Placed"));
    newVersion(v2);
    awaitRollout(RolloutPhase.Paused, 0);
    FakeServingPod pod = kubelet.servers(namespace, "base").values().iterator().next();
    assertThat(pod.loaded()).containsEntry("tone@canary", digest(v2));

    edit(
        s ->
            s[0] =
                new LoraAdapterSpec(
                    s[0].baseModelRef(),
                    s[0].artifact(),
                    s[0].placement(),
                    null,
                    false,
                    null,
                    new RolloutSpec(RolloutStrategy.Immediate, null)));
    // Immediate swaps to the spec's version; the canary must not stay loaded for ever (the next
    // rollout's status.rollout, which deletion reads, no longer names it).
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(get().getStatus().rollout()).isNull();
              assertThat(pod.loaded())
                  .containsEntry("tone", digest(v2))
                  .doesNotContainKey("tone@canary");
              assertThat(pod.registered()).doesNotContainKey("tone@canary");
            });
  }

  @Test
  void theOnlineAnalysisWaitsForRequestsThenRollsBackAFailingCanaryWithItsNumbers()
      throws Exception {
    PublishedVersion v1 = publish(51);
    PublishedVersion v2 = publish(52);
    baseModel(1);
    canaryAdapter(
        v1,
        new CanarySpec(
            List.of(new CanaryStep(10, null, true), new CanaryStep(100, null, null)),
            null,
            null,
            new OnlineAnalysisSpec(50, 0.01, 0.2)));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(ready().reason()).isEqualTo("Placed"));
    newVersion(v2);
    // Too few canary requests in this window (other windows' counts are not merged in); the
    // pool's two router pods answer alike, so the merged window counts twice what one says.
    routerRollouts =
        rollouts(
            traffic(digest(v2), 0, 400, 0, 20, 0),
            traffic(digest(v2), 1, 0, 0, 500, 0),
            traffic(digest(v1), 0, 0, 0, 500, 0));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              RolloutStatus rollout = get().getStatus().rollout();
              assertThat(rollout.phase()).isEqualTo(RolloutPhase.Progressing);
              assertThat(rollout.checks())
                  .anySatisfy(
                      check -> {
                        assertThat(check.name()).isEqualTo("canaryRequests");
                        assertThat(check.candidate()).isEqualTo(40.0);
                        assertThat(check.limit()).isEqualTo(50.0);
                        assertThat(check.passed()).isFalse();
                      });
            });
    assertThat(ready().message()).contains("waits for 50 canary requests, has 40");

    // Enough requests now, and 20 of the canary's 120 failed against 2 of stable's 1000.
    routerRollouts = rollouts(traffic(digest(v2), 0, 500, 1, 60, 10));
    RolloutStatus back = awaitRollout(RolloutPhase.RolledBack, 0);
    assertThat(back.checks())
        .anySatisfy(
            check -> {
              assertThat(check.name()).isEqualTo("errorRate");
              assertThat(check.candidate())
                  .isCloseTo(20.0 / 120, org.assertj.core.data.Offset.offset(1e-9));
              assertThat(check.reference()).isEqualTo(0.002);
              assertThat(check.passed()).isFalse();
            });
    assertThat(ready().reason()).isEqualTo("RolledBack");
    assertThat(ready().message()).contains("errorRate 0.1667 > limit 0.0120");
    FakeServingPod pod = kubelet.servers(namespace, "base").values().iterator().next();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(pod.loaded()).doesNotContainKey("tone@canary"));
  }

  @Test
  void aVersionPublishedByAFineTuneJobRollsOutAsACanary() throws Exception {
    PublishedVersion v1 = publish(61);
    PublishedVersion v2 = publish(62);
    baseModel(1);
    canaryAdapter(
        v1,
        new CanarySpec(
            List.of(new CanaryStep(10, null, null), new CanaryStep(100, null, null)),
            null,
            null,
            null));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(ready().reason()).isEqualTo("Placed"));
    // What the FineTuneJob controller does with output.deploy when its run succeeds.
    published.publish(
        new PublishedAdapters.Produced(
            namespace,
            "tone",
            "base",
            v2.uri().toString(),
            digest(v2),
            new SecretReference("s3"),
            new Placement(new IntOrString("all"), PlacementStrategy.FEWEST_ADAPTERS),
            java.util.Map.of("lorafleet.io/fine-tune-job", "tune")));
    assertThat(get().getSpec().rollout().strategy()).isEqualTo(RolloutStrategy.Canary);
    RolloutStatus paused = awaitRollout(RolloutPhase.Paused, 0);
    assertThat(paused.canaryDigest()).isEqualTo(digest(v2));
    assertThat(kubelet.servers(namespace, "base").values().iterator().next().loaded())
        .containsEntry("tone", digest(v1))
        .containsEntry("tone@canary", digest(v2));
  }

  @Test
  void onARegisteredOnlyAdapterTheCanaryIsRegisteredEverywhereAndStepsOn() throws Exception {
    PublishedVersion v1 = publish(71);
    PublishedVersion v2 = publish(72);
    baseModel(1);
    canaryAdapter(
        v1,
        new CanarySpec(
            List.of(new CanaryStep(20, null, null), new CanaryStep(100, null, null)),
            null,
            null,
            null),
        "0");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(ready().reason()).isEqualTo("Placed"));
    newVersion(v2);
    RolloutStatus paused = awaitRollout(RolloutPhase.Paused, 0);
    assertThat(paused.weight()).isEqualTo(20);
    FakeServingPod pod = kubelet.servers(namespace, "base").values().iterator().next();
    assertThat(pod.registered())
        .containsEntry("tone", digest(v1))
        .containsEntry("tone@canary", digest(v2));
    assertThat(pod.loaded()).doesNotContainKey("tone@canary");
  }

  private static RolloutTraffic traffic(
      String canaryDigest,
      int step,
      long stableRequests,
      long stableFailures,
      long canaryRequests,
      long canaryFailures) {
    // Every request's first byte within 50 ms: the TTFT check passes, the error rate decides.
    List<Long> fast = new ArrayList<>();
    for (int i = 0; i <= RolloutTraffic.TTFT_BOUNDS_MS.size(); i++) {
      fast.add(0L);
    }
    List<Long> stableTtft = new ArrayList<>(fast);
    stableTtft.set(3, stableRequests - stableFailures);
    List<Long> canaryTtft = new ArrayList<>(fast);
    canaryTtft.set(3, canaryRequests - canaryFailures);
    return new RolloutTraffic(
        "tone",
        canaryDigest,
        step,
        new RolloutTraffic.VersionTraffic(stableRequests, stableFailures, stableTtft),
        new RolloutTraffic.VersionTraffic(canaryRequests, canaryFailures, canaryTtft));
  }

  private static String rollouts(RolloutTraffic... windows) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValueAsString(new RolloutTraffic.Rollouts(List.of(windows)));
  }
}
