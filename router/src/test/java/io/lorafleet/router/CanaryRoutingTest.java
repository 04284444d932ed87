package io.lorafleet.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.router.testing.CanaryPoolResource;
import io.lorafleet.router.testing.Client;
import io.lorafleet.router.testing.Prometheus;
import io.lorafleet.router.testing.RolloutNamespace;
import io.lorafleet.router.testing.ServerPool;
import io.lorafleet.serving.pod.CanaryName;
import io.lorafleet.testcluster.ControlPlane;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 19's traffic split through the router, with real processes: two real servers holding a
 * stable version of {@code a0} and a canary version ({@code a0@canary}, other weights, so its
 * greedy text differs), the real API server holding the LoraAdapter whose status.rollout the test
 * writes as the operator would. Each client answer is attributed to a version by its text; the
 * router's {@code /v1/router/rollouts} counts must match what the clients saw.
 */
@QuarkusTest
@WithTestResource(CanaryPoolResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CanaryRoutingTest {
  private static final String SERVED = CanaryPoolResource.SERVED;
  private static final String C1 = "sha256:" + "c1".repeat(32);
  private static final String C2 = "sha256:" + "c2".repeat(32);

  /** A prompt, and the greedy text each version gives for it (they differ). */
  private static String prompt;

  private static String stableText;
  private static String canaryText;

  @TestHTTPResource("/")
  URI url;

  private Client router() {
    return new Client(url, ServerPool.INFERENCE_TOKEN);
  }

  private static Client pod(int i) {
    return new Client(
        URI.create(
            ConfigProvider.getConfig().getValue("lorafleet.test.pod." + i + ".url", String.class)),
        ServerPool.INFERENCE_TOKEN);
  }

  private static String namespace() {
    return System.getProperty(CanaryPoolResource.NAMESPACE_PROPERTY);
  }

  private static ObjectNode request(String model, String user) {
    ObjectNode b = Client.completion(model, prompt, 3, false);
    if (user != null) {
      b.put("user", user);
    }
    return b;
  }

  /**
   * Writes status.rollout as the operator would, then waits for the router to count that window.
   */
  private void rollout(String phase, String canaryDigest, int step, int weight) throws Exception {
    RolloutNamespace.writeRollout(namespace(), SERVED, phase, canaryDigest, step, weight);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      JsonNode w = window();
      if (w != null && w.path("canary_digest").asText().equals(canaryDigest)) {
        if (w.path("step").asInt() == step) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "the router did not take the rollout: " + router().get("/v1/router/rollouts"));
  }

  /** The router's window of {@link #SERVED}, or null. */
  private JsonNode window() throws Exception {
    for (JsonNode w : router().get("/v1/router/rollouts").path("rollouts")) {
      if (w.path("served_name").asText().equals(SERVED)) {
        return w;
      }
    }
    return null;
  }

  /** Sends requests from 6 clients; returns the answers' texts (null for a failure). */
  private List<String> send(List<ObjectNode> bodies) throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(6);
    try {
      List<Future<String>> out = new ArrayList<>();
      for (ObjectNode b : bodies) {
        out.add(
            clients.submit(
                () -> {
                  Client.Result r = router().call(b);
                  return r.ok() ? r.text() : null;
                }));
      }
      List<String> texts = new ArrayList<>();
      for (Future<String> f : out) {
        texts.add(f.get(120, TimeUnit.SECONDS));
      }
      return texts;
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  @Order(1)
  void theVersionsAnswerDifferentlyAndTheCanaryNameIsNotOfferedToClients() throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (router().get("/health/ready").path("status").asText().equals("UP") == false
        && System.nanoTime() < end) {
      Thread.sleep(100);
    }
    for (String p :
        List.of("one two three", "the lazy dog", "alpha beta gamma", "zebra crossing")) {
      String s = pod(0).call(Client.completion(SERVED, p, 3, false)).text();
      String c = pod(0).call(Client.completion(CanaryName.of(SERVED), p, 3, false)).text();
      if (!s.equals(c)) {
        prompt = p;
        stableText = s;
        canaryText = c;
        break;
      }
    }
    assertThat(prompt).as("a prompt on which the versions differ").isNotNull();
    // before any rollout the served name goes to stable only
    for (String t : send(Stream.generate(() -> request(SERVED, null)).limit(20).toList())) {
      assertThat(t).isEqualTo(stableText);
    }
    Client.Result direct = router().call(request(CanaryName.of(SERVED), null));
    assertThat(direct.status()).isEqualTo(404);
    assertThat(direct.body()).contains("model_not_found");
    Set<String> models = new HashSet<>();
    router().get("/v1/models").path("data").forEach(m -> models.add(m.path("id").asText()));
    assertThat(models).contains(SERVED).noneMatch(CanaryName::isCanary);
    // the counts are open, as /metrics is (the operator reads them without the pool's token);
    // inference is not
    Client anonymous = new Client(url, null);
    assertThat(anonymous.get("/v1/router/rollouts").path("rollouts").isArray()).isTrue();
    assertThat(anonymous.get("/v1/models").path("error").path("code").asText())
        .isEqualTo("invalid_api_key");
  }

  @Test
  @Order(2)
  void weightTenSendsTenPercentAndTheRouterCountsWhatClientsSaw() throws Exception {
    rollout("Progressing", C1, 0, 10);
    List<String> texts = send(Stream.generate(() -> request(SERVED, null)).limit(2000).toList());
    int canary = 0;
    int stable = 0;
    for (String t : texts) {
      assertThat(t)
          .as("every request succeeds with one of the two versions")
          .isIn(stableText, canaryText);
      canary += t.equals(canaryText) ? 1 : 0;
      stable += t.equals(stableText) ? 1 : 0;
    }
    System.out.printf("weight 10: %d of 2000 on the canary, %d on stable%n", canary, stable);
    assertThat(canary * 100.0 / 2000).as("canary percent").isBetween(7.0, 13.0);
    JsonNode w = window();
    assertThat(w.path("canary").path("requests").asLong()).isEqualTo(canary);
    assertThat(w.path("stable").path("requests").asLong()).isEqualTo(stable);
    assertThat(w.path("canary").path("failures").asLong()).isZero();
    assertThat(w.path("stable").path("failures").asLong()).isZero();
    long ttftCounted = 0;
    for (JsonNode c : w.path("canary").path("ttft_counts")) {
      ttftCounted += c.asLong();
    }
    assertThat(ttftCounted).isEqualTo(canary);
    String metrics = router().getText("/metrics");
    assertThat(
            Prometheus.sum(
                metrics,
                "lorafleet_router_rollout_requests_total",
                Map.of("model", SERVED, "version", "canary", "result", "ok")))
        .isEqualTo(canary);
    assertThat(
            Prometheus.sum(
                metrics,
                "lorafleet_router_rollout_requests_total",
                Map.of("model", SERVED, "version", "stable", "result", "ok")))
        .isEqualTo(stable);
  }

  @Test
  @Order(3)
  void aStickyCallerSeesOneVersionPerStepAndStaysOnTheCanaryAtFifty() throws Exception {
    rollout("Progressing", C1, 0, 10);
    Map<String, String> at10 = stickyVersions();
    rollout("Progressing", C1, 1, 50);
    Map<String, String> at50 = stickyVersions();
    int onCanaryAt10 = 0;
    for (var e : at10.entrySet()) {
      if (e.getValue().equals(canaryText)) {
        onCanaryAt10++;
        assertThat(at50.get(e.getKey()))
            .as(e.getKey() + " stays on the canary")
            .isEqualTo(canaryText);
      }
    }
    assertThat(onCanaryAt10).isPositive();
    System.out.printf(
        "sticky callers on the canary: %d of 60 at 10, %d at 50%n",
        onCanaryAt10, at50.values().stream().filter(canaryText::equals).count());
    long onCanaryAt50 = at50.values().stream().filter(canaryText::equals).count();
    assertThat(onCanaryAt50).isGreaterThan(onCanaryAt10);
  }

  /** 60 callers, 4 requests each (shuffled): the one text each saw; fails if one saw both. */
  private Map<String, String> stickyVersions() throws Exception {
    List<ObjectNode> bodies = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      for (int u = 0; u < 60; u++) {
        bodies.add(request(SERVED, "caller-" + u));
      }
    }
    List<String> texts = send(bodies);
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < bodies.size(); i++) {
      String user = bodies.get(i).path("user").asText();
      assertThat(texts.get(i)).isIn(stableText, canaryText);
      String before = seen.putIfAbsent(user, texts.get(i));
      assertThat(before == null || before.equals(texts.get(i)))
          .as(user + " saw one version in the step")
          .isTrue();
    }
    return seen;
  }

  @Test
  @Order(4)
  void withHeaderStickinessTheHeaderPinsTheCallerNotTheUserField() throws Exception {
    ControlPlane.shared()
        .adminClient()
        .resources(LoraAdapter.class)
        .inNamespace(namespace())
        .withName(SERVED)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"rollout\":{\"canary\":{\"stickiness\":{\"key\":\"header\",\"header\":\"X-Tenant\"}}}}}");
    // a later status write: once the router counts step 2 it has seen the spec change too
    rollout("Progressing", C1, 2, 50);
    HttpClient http = HttpClient.newHttpClient();
    Map<String, String> seen = new HashMap<>();
    for (int k = 0; k < 3; k++) {
      for (int t = 0; t < 30; t++) {
        // a different user on every request: only the header can keep the tenant on one version
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(url.resolve("/v1/completions"))
                    .header("Authorization", "Bearer " + ServerPool.INFERENCE_TOKEN)
                    .header("Content-Type", "application/json")
                    .header("X-Tenant", "tenant-" + t)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            request(SERVED, "user-" + k + "-" + t).toString()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String text = Client.JSON.readTree(r.body()).path("choices").path(0).path("text").asText();
        assertThat(text).isIn(stableText, canaryText);
        String before = seen.putIfAbsent("tenant-" + t, text);
        assertThat(before == null || before.equals(text))
            .as("tenant-" + t + " saw one version")
            .isTrue();
      }
    }
    assertThat(seen.values()).contains(stableText, canaryText);
  }

  @Test
  @Order(5)
  void aBrokenCanaryIsRetriedOnStableAndCountedAsACanaryFailure() throws Exception {
    // the canary's files are gone: each pod answers 503 adapter_unavailable before any byte
    Path root =
        Path.of(ConfigProvider.getConfig().getValue("lorafleet.test.pool-root", String.class));
    Path broken = Files.createDirectories(root.resolve("adapters").resolve("broken"));
    Files.writeString(broken.resolve("adapter_config.json"), "{not json");
    for (int i = 0; i < 2; i++) {
      admin(i, "/v1/unload_lora_adapter", "{\"lora_name\":\"" + CanaryName.of(SERVED) + "\"}");
      admin(
          i,
          "/v1/register_lora_adapter",
          "{\"lora_name\":\"%s\",\"lora_path\":\"%s\",\"digest\":\"sha256:%s\"}"
              .formatted(CanaryName.of(SERVED), broken, "ab".repeat(32)));
    }
    rollout("Progressing", C2, 1, 50);
    AtomicInteger failed = new AtomicInteger();
    List<String> texts = send(Stream.generate(() -> request(SERVED, null)).limit(200).toList());
    for (String t : texts) {
      if (t == null) {
        failed.incrementAndGet();
      } else {
        assertThat(t).isEqualTo(stableText);
      }
    }
    assertThat(failed.get()).as("client failures").isZero();
    JsonNode w = window();
    long canaryTried = w.path("canary").path("requests").asLong();
    System.out.printf("broken canary: %d of 200 tried on it, all served by stable%n", canaryTried);
    assertThat(canaryTried).as("canary share of 200 at 50").isBetween(60L, 140L);
    assertThat(w.path("canary").path("failures").asLong()).isEqualTo(canaryTried);
    assertThat(w.path("stable").path("requests").asLong()).isEqualTo(200);
    assertThat(w.path("stable").path("failures").asLong()).isZero();
  }

  /** An admin call to pod {@code i}; returns the status. */
  private static int admin(int i, String path, String body) throws Exception {
    URI pod =
        URI.create(
            ConfigProvider.getConfig().getValue("lorafleet.test.pod." + i + ".url", String.class));
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(pod.resolve(path))
                .header("Authorization", "Bearer " + ServerPool.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
