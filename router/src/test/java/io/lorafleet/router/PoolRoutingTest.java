package io.lorafleet.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.router.testing.Client;
import io.lorafleet.router.testing.PoolTestResource;
import io.lorafleet.router.testing.Prometheus;
import io.lorafleet.router.testing.ServerPool;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The router in front of three real servers (two device slots and four running sequences each) with
 * twelve registered adapters, none loaded at the start: same greedy text as direct, zero failures
 * under a Zipf load over more adapters than slots, a disconnect cancels upstream, a full pool
 * answers 429, and killing a pod mid-stream fails only its streams, cleanly, while new requests
 * avoid it.
 */
@QuarkusTest
@WithTestResource(PoolTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PoolRoutingTest {
  @TestHTTPResource("/")
  URI url;

  private Client router() {
    return new Client(url, ServerPool.INFERENCE_TOKEN);
  }

  private static URI pod(int i) {
    return URI.create(
        ConfigProvider.getConfig().getValue("lorafleet.test.pod." + i + ".url", String.class));
  }

  private static List<String> adapters() {
    return List.of(
        ConfigProvider.getConfig().getValue("lorafleet.test.adapters", String.class).split(","));
  }

  private void awaitPods(int routable) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < end) {
      JsonNode pods = router().get("/v1/router/pods").path("data");
      int n = 0;
      for (JsonNode p : pods) {
        n += p.path("routable").asBoolean() ? 1 : 0;
      }
      if (n >= routable) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("pods not routable: " + router().get("/v1/router/pods"));
  }

  @Test
  @Order(1)
  void theSameGreedyTextThroughTheRouterAsStraightToAPod() throws Exception {
    awaitPods(PoolTestResource.PODS);
    Client direct = new Client(pod(0), ServerPool.INFERENCE_TOKEN);
    for (String model : List.of("tiny", "a3")) {
      var body = Client.completion(model, "the quick brown fox", 12, false);
      Client.Result viaPod = direct.call(body);
      Client.Result viaRouter = router().call(body);
      assertThat(viaPod.status()).as(viaPod.body()).isEqualTo(200);
      assertThat(viaRouter.status()).as(viaRouter.body()).isEqualTo(200);
      assertThat(viaRouter.text()).isEqualTo(viaPod.text()).isNotEmpty();
      Client.Result streamed =
          router()
              .call(
                  "/v1/completions",
                  Client.completion(model, "the quick brown fox", 12, true),
                  l -> {});
      assertThat(streamed.ok()).isTrue();
      assertThat(streamed.text()).isEqualTo(viaPod.text());
    }
    for (String model : List.of("tiny", "a5")) {
      Client.Result viaPod =
          direct.call(
              "/v1/chat/completions", Client.chat(model, "hello there", 10, false), l -> {});
      Client.Result viaRouter =
          router()
              .call("/v1/chat/completions", Client.chat(model, "hello there", 10, true), l -> {});
      assertThat(viaPod.status()).as(viaPod.body()).isEqualTo(200);
      assertThat(viaRouter.ok()).isTrue();
      assertThat(viaRouter.text()).isEqualTo(viaPod.text()).isNotEmpty();
    }
    JsonNode models = router().get("/v1/models");
    assertThat(models.path("data").toString())
        .contains("\"id\":\"tiny\"")
        .contains("\"id\":\"a11\"");
    // OpenAI error shape and the inference token
    var unknown = router().call(Client.completion("nope", "x", 2, false));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(Client.JSON.readTree(unknown.body()).path("error").path("code").asText())
        .isEqualTo("model_not_found");
    var anonymous = new Client(url, null).call(Client.completion("tiny", "x", 2, false));
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.body()).contains("invalid_api_key");
  }

  @Test
  @Order(2)
  void zeroFailuresUnderAZipfLoadOverMoreAdaptersThanSlots() throws Exception {
    awaitPods(PoolTestResource.PODS);
    List<String> names = adapters();
    double[] cdf = zipf(names.size(), 1.0);
    String before = metricsText();
    double loadsBefore = podLoads();
    int clients = 8;
    int perClient = 20;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<List<Client.Result>>> futures = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Random rnd = new Random(1000 + c);
      futures.add(
          pool.submit(
              () -> {
                List<Client.Result> out = new ArrayList<>();
                for (int k = 0; k < perClient; k++) {
                  String model = names.get(sample(cdf, rnd.nextDouble()));
                  boolean stream = rnd.nextBoolean();
                  out.add(
                      router()
                          .call(
                              "/v1/completions",
                              Client.completion(model, "tell me " + k, 6, stream),
                              l -> {}));
                }
                return out;
              }));
    }
    int failed = 0;
    List<String> failures = new ArrayList<>();
    for (Future<List<Client.Result>> f : futures) {
      for (Client.Result r : f.get(120, TimeUnit.SECONDS)) {
        if (!r.ok()) {
          failed++;
          failures.add(r.status() + " " + r.streamError() + " " + r.body());
        }
      }
    }
    pool.shutdown();
    assertThat(failures).as("failed requests").isEmpty();
    assertThat(failed).isZero();
    String after = metricsText();
    double resident = delta(before, after, Map.of("route", "resident", "result", "ok"));
    double cold = delta(before, after, Map.of("route", "cold", "result", "ok"));
    double spread = delta(before, after, Map.of("route", "spread", "result", "ok"));
    assertThat(resident + cold + spread).isEqualTo(clients * perClient);
    assertThat(resident).as("most requests find their adapter resident").isGreaterThan(cold);
    // Only a cold or spread routing can make a pod load an adapter from its registered path (a
    // resident one is at most read back from the pod's disk tier, which the server counts apart).
    double loads = podLoads() - loadsBefore;
    assertThat(loads).isLessThanOrEqualTo(cold + spread);
  }

  @Test
  @Order(3)
  void aClientThatHangsUpCancelsTheGenerationOnThePod() throws Exception {
    awaitPods(PoolTestResource.PODS);
    double cancelledBefore =
        podMetric("lorafleet_server_requests_total", Map.of("outcome", "cancelled"));
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(url.resolve("/v1/completions"))
                .header("Authorization", "Bearer " + ServerPool.INFERENCE_TOKEN)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        Client.completion("tiny", "a long story", 400, true).toString()))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    r.body().read(new byte[64]); // the stream has started
    r.body().close(); // hang up
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end
        && podMetric("lorafleet_server_requests_total", Map.of("outcome", "cancelled"))
            == cancelledBefore) {
      Thread.sleep(50);
    }
    assertThat(podMetric("lorafleet_server_requests_total", Map.of("outcome", "cancelled")))
        .isEqualTo(cancelledBefore + 1);
    while (System.nanoTime() < end && outstanding() > 0) {
      Thread.sleep(50);
    }
    assertThat(outstanding()).as("the router freed the slot").isZero();
  }

  @Test
  @Order(4)
  void aFullPoolAnswers429WithRetryAfterAndServesTheRest() throws Exception {
    awaitPods(PoolTestResource.PODS);
    // 3 pods x 4 running + 8 queued = 20 places; 32 long streams at once
    int n = 32;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Client.Result>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(
          pool.submit(
              () -> {
                go.await();
                return router()
                    .call(
                        "/v1/completions",
                        Client.completion("tiny", "a long story", 160, true),
                        l -> {});
              }));
    }
    go.countDown();
    int ok = 0;
    int refused = 0;
    for (Future<Client.Result> f : futures) {
      Client.Result r = f.get(120, TimeUnit.SECONDS);
      if (r.status() == 429) {
        refused++;
        assertThat(Client.JSON.readTree(r.body()).path("error").path("code").asText())
            .isEqualTo("overloaded");
      } else {
        assertThat(r.ok()).as(r.status() + " " + r.streamError()).isTrue();
        ok++;
      }
    }
    pool.shutdown();
    assertThat(refused).isPositive();
    assertThat(ok).isGreaterThanOrEqualTo(20);
  }

  @Test
  @Order(5)
  void aPodThatStopsAnsweringIsOutWithinASecondAndBackWhenItAnswers() throws Exception {
    awaitPods(PoolTestResource.PODS);
    String stopped = pod(1).getHost() + ":" + pod(1).getPort();
    signal("STOP", 1);
    try {
      Thread.sleep(1000); // "taken out within a second"
      for (JsonNode p : router().get("/v1/router/pods").path("data")) {
        if (p.path("id").asText().equals(stopped)) {
          assertThat(p.path("routable").asBoolean()).as(p.toString()).isFalse();
          assertThat(p.path("suspect").asBoolean()).isTrue();
        }
      }
      List<String> names = adapters();
      for (int i = 0; i < 6; i++) {
        String model = i % 2 == 0 ? "tiny" : names.get(i);
        Client.Result r = router().call(Client.completion(model, "while stopped " + i, 4, false));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.pod()).isNotEqualTo(stopped);
      }
    } finally {
      signal("CONT", 1);
    }
    awaitPods(PoolTestResource.PODS);
  }

  @Test
  @Order(6)
  void whenEveryPodIsSilentARequestWaitsForThemInsteadOfFailing() throws Exception {
    awaitPods(PoolTestResource.PODS);
    for (int i = 0; i < PoolTestResource.PODS; i++) {
      signal("STOP", i);
    }
    java.util.concurrent.CompletableFuture<Client.Result> pending;
    try {
      Thread.sleep(1000);
      assertThat(router().get("/v1/router/pods").path("data").toString())
          .doesNotContain("\"routable\":true");
      pending =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return router().call(Client.completion("tiny", "anyone there", 4, false));
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      Thread.sleep(300);
      assertThat(pending).as("sent to a silent pod, not refused").isNotDone();
    } finally {
      for (int i = 0; i < PoolTestResource.PODS; i++) {
        signal("CONT", i);
      }
    }
    Client.Result r = pending.get(60, TimeUnit.SECONDS);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    awaitPods(PoolTestResource.PODS);
  }

  @Test
  @Order(7)
  void killingAPodMidStreamFailsOnlyItsStreamsAndNewRequestsAvoidIt() throws Exception {
    awaitPods(PoolTestResource.PODS);
    int n = 9;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    Map<Integer, String> podOf = new ConcurrentHashMap<>();
    CountDownLatch started = new CountDownLatch(n);
    List<Future<Client.Result>> futures = new ArrayList<>();
    List<String> names = adapters();
    for (int i = 0; i < n; i++) {
      int id = i;
      String model = i % 3 == 0 ? "tiny" : names.get(i);
      java.util.concurrent.atomic.AtomicBoolean first =
          new java.util.concurrent.atomic.AtomicBoolean(true);
      futures.add(
          pool.submit(
              () ->
                  router()
                      .call(
                          "/v1/completions",
                          Client.completion(model, "a long story " + id, 300, true),
                          line -> {
                            if (first.getAndSet(false)) {
                              started.countDown();
                            }
                          })));
    }
    assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
    JsonNode pods = router().get("/v1/router/pods").path("data");
    String victim = null;
    int victimIndex = -1;
    for (int i = 0; i < PoolTestResource.PODS; i++) {
      String id = pod(i).getHost() + ":" + pod(i).getPort();
      for (JsonNode p : pods) {
        if (p.path("id").asText().equals(id) && p.path("outstanding").asInt() > 0) {
          victim = id;
          victimIndex = i;
        }
      }
    }
    assertThat(victim).as("some pod runs streams").isNotNull();
    long pid =
        Long.parseLong(
            ConfigProvider.getConfig()
                .getValue("lorafleet.test.pod." + victimIndex + ".pid", String.class));
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    int brokenOnVictim = 0;
    for (Future<Client.Result> f : futures) {
      Client.Result r = f.get(120, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.done()).as("every stream ends with [DONE]").isTrue();
      if (victim.equals(r.pod())) {
        if (r.streamError() != null) { // a stream that ended before the kill ends cleanly
          assertThat(r.streamError()).isEqualTo("upstream_failed");
          brokenOnVictim++;
        }
      } else {
        assertThat(r.streamError()).as("a stream on a surviving pod").isNull();
      }
    }
    pool.shutdown();
    assertThat(brokenOnVictim).isPositive();

    Thread.sleep(1000); // "taken out within a second"
    JsonNode after = router().get("/v1/router/pods").path("data");
    for (JsonNode p : after) {
      if (p.path("id").asText().equals(victim)) {
        assertThat(p.path("routable").asBoolean()).isFalse();
      }
    }
    double retriesBefore =
        Prometheus.sum(metricsText(), "lorafleet_router_retries_total", Map.of());
    for (int i = 0; i < 12; i++) {
      String model = i % 2 == 0 ? "tiny" : names.get(i);
      Client.Result r = router().call(Client.completion(model, "after " + i, 4, false));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.pod()).isNotEqualTo(victim);
    }
    assertThat(Prometheus.sum(metricsText(), "lorafleet_router_retries_total", Map.of()))
        .as("new requests went around the dead pod, not through it")
        .isEqualTo(retriesBefore);
  }

  // ------------------------------------------------------------------ helpers

  private static void signal(String name, int pod) throws Exception {
    String pid =
        ConfigProvider.getConfig().getValue("lorafleet.test.pod." + pod + ".pid", String.class);
    Process kill = new ProcessBuilder("kill", "-" + name, pid).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  private String metricsText() throws Exception {
    return router().getText("/metrics");
  }

  private double delta(String before, String after, Map<String, String> labels) {
    return Prometheus.sum(after, "lorafleet_router_requests_total", labels)
        - Prometheus.sum(before, "lorafleet_router_requests_total", labels);
  }

  private int outstanding() throws Exception {
    int n = 0;
    for (JsonNode p : router().get("/v1/router/pods").path("data")) {
      n += p.path("outstanding").asInt();
    }
    return n;
  }

  private double podMetric(String name, Map<String, String> labels) throws Exception {
    double total = 0;
    for (int i = 0; i < PoolTestResource.PODS; i++) {
      try {
        total += Prometheus.sum(new Client(pod(i), null).getText("/metrics"), name, labels);
      } catch (java.io.IOException e) {
        // a killed pod
      }
    }
    return total;
  }

  /** Adapter loads from their registered paths over all pods (not read-backs from disk). */
  private double podLoads() throws Exception {
    return podMetric("lorafleet_server_adapter_load_seconds_count", Map.of("from", "local"));
  }

  private static double[] zipf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return cdf;
  }

  private static int sample(double[] cdf, double u) {
    for (int i = 0; i < cdf.length; i++) {
      if (u <= cdf[i]) {
        return i;
      }
    }
    return cdf.length - 1;
  }
}
