package io.lorafleet.operator.e2e;

import static io.lorafleet.operator.e2e.VersionClients.after;
import static io.lorafleet.operator.e2e.VersionClients.share;
import static io.lorafleet.operator.e2e.VersionClients.within;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.e2e.VersionClients.Share;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.serving.pod.CanaryName;
import io.lorafleet.testcluster.kubelet.ServiceProxy;
import io.lorafleet.testcluster.kubelet.TestNetAddresses;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 end to end on the real control plane with real processes: the operator's canary
 * controller, the pool's real router pod (its traffic split, retries and {@code GET
 * /v1/router/rollouts}) and real serving pods. Clients send greedy completions through the pool's
 * Service and tell the two versions apart by their text (each version is a random adapter strong
 * enough to change the tiny model's output). Nothing is retried by the clients: every non-200 is a
 * failure.
 *
 * <ul>
 *   <li>A good new version goes 10 → 50 → 100 on 5 s pauses and is promoted; the share of canary
 *       texts the clients see during each step is near its weight, and after promotion every answer
 *       is the new version's.
 *   <li>A version that fails at request time is rolled back by the online analysis. How it fails
 *       through the real server: its {@code lora_B} holds one NaN. The operator checks an
 *       artifact's config and tensor shapes (the safetensors header), not its values, and an
 *       adapter with {@code placement.replicas: 0} is only registered on the pods, so the rollout
 *       reaches its step; the first request routed to {@code <name>@canary} makes the pod load it
 *       lazily, the load refuses non-finite weights ({@code NonFiniteWeights}) and the request is
 *       answered 503 {@code adapter_unavailable}, which the router retries on stable and counts as
 *       a canary failure. The analysis then sees the canary's error rate far above stable's.
 * </ul>
 *
 * <p>The evaluation gate before the first step is tested in {@link EvaluationGateEndToEndTest}.
 * Skipped, with the reason, where test-range pod addresses cannot be added to lo (as {@link
 * RouterEndToEndTest}).
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class CanaryEndToEndTest {
  private static final String BASE = "tiny";
  private static final int CLIENTS = 3;
  private static final String PROMPT = "abc";

  /** How long the router may take to see a new step (its informer) before counting a share. */
  private static final Duration ROUTER_LAG = Duration.ofSeconds(1);

  private static ProcessPool pool;
  private static boolean started;

  @Inject OperatorConfig config;

  @BeforeAll
  static void storage() throws Exception {
    ProcessPool.assumeTestNetAddresses("the canary end-to-end test");
    pool = ProcessPool.start("canary-e2e", BASE);
  }

  @AfterAll
  static void stop() {
    if (pool != null) {
      pool.close();
    }
  }

  /** Two serving pods and one router, started once for both tests. */
  private void startPool() throws Exception {
    if (started) {
      return;
    }
    pool.startKubelet(OperatorImages.withRouter(config), TestNetAddresses.create());
    pool.createBaseModel(
        """
            replicas: 2
            adapterSlots: {maxLoaded: 6, maxCached: 12, maxRank: 8}
            resources: {requests: {cpu: 100m, memory: 1Gi}}
            router: {replicas: 1}
        """);
    started = true;
  }

  @Test
  void aGoodVersionIsPromotedThroughItsStepsWithTheShareOfEachStepAndNoFailedRequest()
      throws Exception {
    startPool();
    PublishedVersion v1 = publish("tone", 101, false);
    PublishedVersion v2 = publish("tone", 102, false);
    createCanaryAdapter(
        "tone",
        v1,
        "all",
        """
            steps: [{weight: 10, pause: 5s}, {weight: 50, pause: 5s}, {weight: 100}]""");
    awaitPlaced("tone");

    try (ServiceProxy service = pool.routerService()) {
      URI router = service.uri("/");
      String stableText = awaitText(router, "tone");
      Instant newVersionAt;
      Map<Integer, Instant> stepStarts = new TreeMap<>();
      Map<Integer, Integer> stepWeights = new TreeMap<>();
      String canaryTextOnPod = null;
      Instant promotedSeen;
      try (VersionClients clients =
          VersionClients.start(router, "tone", List.of(PROMPT), CLIENTS)) {
        clients.awaitMore(10);
        newVersionAt = Instant.now();
        pool.setArtifact("tone", v2);
        // Follow the rollout: each step's start (as the operator wrote it) and weight.
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        RolloutStatus rollout = null;
        while (System.nanoTime() < deadline) {
          rollout = pool.adapter("tone").getStatus().rollout();
          if (rollout != null
              && digest(v2).equals(rollout.canaryDigest())
              && rollout.stepStartedAt() != null
              && rollout.step() != null) {
            stepStarts.putIfAbsent(rollout.step(), Instant.parse(rollout.stepStartedAt()));
            stepWeights.putIfAbsent(rollout.step(), rollout.weight());
            if (canaryTextOnPod == null && rollout.phase() == RolloutPhase.Progressing) {
              // The canary as a pod serves it (clients cannot name it through the router).
              URI pod = pool.servers(config.servingPort()).values().iterator().next();
              canaryTextOnPod =
                  ProcessPool.text(VersionClients.complete(pod, CanaryName.of("tone"), PROMPT));
            }
          }
          if (rollout != null && rollout.phase() == RolloutPhase.Promoted) {
            break;
          }
          Thread.sleep(100);
        }
        promotedSeen = Instant.now();
        assertThat(rollout).as("status.rollout").isNotNull();
        assertThat(rollout.phase()).as("phase: %s", rollout).isEqualTo(RolloutPhase.Promoted);
        assertThat(rollout.stableDigest()).isEqualTo(digest(v2));
        assertThat(rollout.weight()).isEqualTo(100);
        // At least 30 more answers, so at least 27 sent after (3 clients had one in flight).
        clients.awaitMore(30);
        List<VersionClients.Answer> answers = clients.stop();

        String newText = awaitText(router, "tone");
        Instant step1 = stepStarts.get(1);
        Instant step2 = stepStarts.getOrDefault(2, promotedSeen);
        List<String> failures = VersionClients.failures(answers);
        Share before = share(answers, a -> a.sent().isBefore(newVersionAt), newText);
        Share ten = share(answers, within(stepStarts.get(0).plus(ROUTER_LAG), step1), newText);
        Share fifty = share(answers, within(step1.plus(ROUTER_LAG), step2), newText);
        Share after = share(answers, after(promotedSeen), newText);
        System.out.printf(
            "CanaryEndToEndTest: %d requests, %d failed; canary share before %s, at 10%% %s, at"
                + " 50%% %s, after promotion %s; steps started %s; router windows %s%n",
            answers.size(),
            failures.size(),
            before,
            ten,
            fifty,
            after,
            stepStarts,
            rollouts(router));
        assertThat(newText).as("the two versions answer differently").isNotEqualTo(stableText);
        assertThat(canaryTextOnPod).as("the canary on a pod answers as v2 does").isEqualTo(newText);
        assertThat(stepWeights).as("steps seen").containsEntry(0, 10).containsEntry(1, 50);
        assertThat(failures).as("failed client requests").isEmpty();
        assertThat(answers)
            .as("every answer is one of the two versions")
            .allSatisfy(a -> assertThat(a.text()).isIn(stableText, newText));
        assertThat(before.canary()).as("before the rollout: stable only").isZero();
        assertThat(ten.total()).as("requests during step 10").isGreaterThanOrEqualTo(10);
        assertNearWeight(ten, 10);
        assertThat(fifty.total()).as("requests during step 50").isGreaterThanOrEqualTo(20);
        assertNearWeight(fifty, 50);
        assertThat(fifty.fraction())
            .as("more canary at 50 than at 10")
            .isGreaterThan(ten.fraction());
        assertThat(after.total()).as("requests after promotion").isGreaterThanOrEqualTo(27);
        assertThat(after.canary())
            .as("after promotion: the new version only")
            .isEqualTo(after.total());
      }
      assertThat(ready("tone").reason()).isEqualTo("Promoted");
      assertThat(pool.adapter("tone").getStatus().digest()).isEqualTo(digest(v2));
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(pool.servers(config.servingPort()).values())
                      .allSatisfy(
                          pod ->
                              assertThat(pool.loaded(pod))
                                  .containsEntry("tone", digest(v2))
                                  .doesNotContainKey(CanaryName.of("tone"))));
    }
  }

  @Test
  void aVersionThatAnswersWithErrorsIsRolledBackByTheOnlineAnalysisAndNeverServes()
      throws Exception {
    startPool();
    PublishedVersion v1 = publish("faq", 201, false);
    PublishedVersion broken = publish("faq", 202, true);
    createCanaryAdapter(
        "faq",
        v1,
        "0",
        """
            steps: [{weight: 50, analysis: true}, {weight: 100}]
            analysis: {minRequests: 20}""");
    awaitPlaced("faq");

    try (ServiceProxy service = pool.routerService()) {
      URI router = service.uri("/");
      String stableText = awaitText(router, "faq");
      RolloutStatus rollout;
      Instant rolledBackSeen;
      List<VersionClients.Answer> answers;
      try (VersionClients clients = VersionClients.start(router, "faq", List.of(PROMPT), CLIENTS)) {
        clients.awaitMore(10);
        pool.setArtifact("faq", broken);
        await()
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  RolloutStatus r = pool.adapter("faq").getStatus().rollout();
                  return r != null
                      && digest(broken).equals(r.canaryDigest())
                      && r.phase() == RolloutPhase.RolledBack;
                });
        rolledBackSeen = Instant.now();
        rollout = pool.adapter("faq").getStatus().rollout();
        // At least 30 more answers, so at least 27 sent after (3 clients had one in flight).
        clients.awaitMore(30);
        answers = clients.stop();
      }
      List<String> failures = VersionClients.failures(answers);
      Share after = share(answers, after(rolledBackSeen), stableText);
      System.out.printf(
          "CanaryEndToEndTest: %d requests, %d failed, %d after the rollback; checks %s; router"
              + " windows %s%n",
          answers.size(), failures.size(), after.total(), rollout.checks(), rollouts(router));
      assertThat(failures).as("failed client requests").isEmpty();
      // No answer ever came from the broken version: before, during and after the rollback.
      assertThat(answers).allSatisfy(a -> assertThat(a.text()).isEqualTo(stableText));
      assertThat(after.total()).as("requests after the rollback").isGreaterThanOrEqualTo(27);
      assertThat(rollout.weight()).isZero();
      assertThat(rollout.stableDigest()).isEqualTo(digest(v1));
      // Rolled back by the analysis (not by a refused load): its numbers are the router's.
      assertThat(rollout.checks())
          .anySatisfy(
              c -> {
                assertThat(c.name()).isEqualTo("canaryRequests");
                assertThat(c.candidate()).isGreaterThanOrEqualTo(20.0);
              })
          .anySatisfy(
              c -> {
                assertThat(c.name()).isEqualTo("errorRate");
                assertThat(c.candidate()).as("canary error rate").isEqualTo(1.0);
                assertThat(c.passed()).isFalse();
              });
      assertThat(pool.adapter("faq").getStatus().digest()).isEqualTo(digest(v1));
      assertThat(ready("faq").isTrue()).as("stable serves").isTrue();
      assertThat(ready("faq").reason()).isEqualTo("RolledBack");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(pool.servers(config.servingPort()).values())
                      .allSatisfy(
                          pod ->
                              assertThat(pool.registered(pod))
                                  .containsEntry("faq", digest(v1))
                                  .doesNotContainKey(CanaryName.of("faq"))));
    }
  }

  // --- the pool's side --------------------------------------------------------------------

  /**
   * A rank-4 adapter on the attention projections with large random weights (so two seeds give two
   * different greedy texts); {@code nan}: one {@code lora_B} value is NaN.
   */
  private static PublishedVersion publish(String name, long seed, boolean nan) throws Exception {
    int rank = 4;
    Random random = new Random(seed);
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    Map<LinearModule, int[]> shapes =
        Map.of(
            LinearModule.Q_PROJ, new int[] {64, 64},
            LinearModule.K_PROJ, new int[] {64, 32},
            LinearModule.V_PROJ, new int[] {64, 32},
            LinearModule.O_PROJ, new int[] {64, 64});
    List<LinearModule> order =
        List.of(LinearModule.Q_PROJ, LinearModule.K_PROJ, LinearModule.V_PROJ, LinearModule.O_PROJ);
    for (int layer = 0; layer < 2; layer++) {
      for (LinearModule module : order) {
        int in = shapes.get(module)[0];
        int out = shapes.get(module)[1];
        ModuleKey key = new ModuleKey(layer, module);
        float[] b = floats(random, out * rank);
        if (nan && layer == 1 && module == LinearModule.O_PROJ) {
          b[0] = Float.NaN;
        }
        modules.put(key, new LoraWeights(key, rank, in, out, 2.0, floats(random, rank * in), b));
      }
    }
    Path dir = Files.createTempDirectory("canary-adapter");
    PeftAdapterWriter.write(
        new io.lorafleet.artifacts.peft.LoraAdapter(
            AdapterConfig.of(rank, 2.0 * rank, List.of("q_proj", "k_proj", "v_proj", "o_proj")),
            modules,
            DType.F32),
        dir);
    return pool.publishDirectory(dir, "s3://lorafleet/adapters/" + name);
  }

  private static float[] floats(Random random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian() * 0.3f;
    }
    return values;
  }

  private static String digest(PublishedVersion version) {
    return "sha256:" + version.digest();
  }

  private static void createCanaryAdapter(
      String name, PublishedVersion version, String replicas, String canary) {
    pool.client()
        .resource(
            Serialization.unmarshal(
                """
                apiVersion: lorafleet.io/v1alpha1
                kind: LoraAdapter
                metadata: {name: %s, namespace: %s}
                spec:
                  baseModelRef: {name: %s}
                  artifact: {uri: "%s", credentialsSecretRef: {name: s3}}
                  placement: {replicas: %s}
                  rollout:
                    strategy: Canary
                    canary:
                %s
                """
                    .formatted(
                        name,
                        pool.namespace(),
                        BASE,
                        version.uri(),
                        replicas.equals("all") ? "all" : replicas,
                        canary.indent(6).stripTrailing()),
                LoraAdapter.class))
        .create();
  }

  private static void awaitPlaced(String name) {
    await()
        .atMost(Duration.ofMinutes(3))
        .untilAsserted(
            () -> {
              LoraAdapter a = pool.adapter(name);
              assertThat(a.isReady()).as("%s Ready: %s", name, a.getStatus()).isTrue();
              assertThat(a.getStatus().registeredReplicas()).isEqualTo(2);
            });
  }

  /** The greedy text through the router, once it routes the name (before any client counts). */
  private static String awaitText(URI router, String model) {
    return VersionClients.awaitTexts(router, model, List.of(PROMPT)).get(PROMPT);
  }

  private static String rollouts(URI router) {
    try {
      return Traffic.get(router.resolve("/v1/router/rollouts"));
    } catch (Exception e) {
      return e.toString();
    }
  }

  /**
   * The share is within 4.5 standard deviations of a binomial draw at {@code weight} (about 1 in
   * 150,000 to miss by chance), plus 5 points for the router's per-request random split seeing a
   * new step up to {@link #ROUTER_LAG} late.
   */
  private static void assertNearWeight(Share share, int weight) {
    double p = weight / 100.0;
    double tolerance = 4.5 * Math.sqrt(p * (1 - p) / share.total()) + 0.05;
    assertThat(share.fraction())
        .as("canary share %s at weight %d (tolerance %.3f)", share, weight, tolerance)
        .isBetween(p - tolerance, p + tolerance);
  }

  private static Condition ready(String name) {
    return pool.adapter(name)
        .getStatus()
        .condition(ConditionType.Ready)
        .orElseThrow(() -> new AssertionError(name + " has no Ready condition"));
  }
}
