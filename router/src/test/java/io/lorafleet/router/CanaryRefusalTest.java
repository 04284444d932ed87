package io.lorafleet.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.router.testing.Client;
import io.lorafleet.router.testing.Prometheus;
import io.lorafleet.router.testing.RefusingCanaryPod;
import io.lorafleet.router.testing.RefusingCanaryResource;
import io.lorafleet.router.testing.RolloutNamespace;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A pod's refusal of the canary (429: its queue is full) is capacity, not a bad version: the
 * request is served by stable and the canary's failure count stays where it was, so a traffic peak
 * cannot roll a good canary back. The pod refuses every canary request; the rollout sends every
 * request to the canary (weight 100).
 */
@QuarkusTest
@WithTestResource(RefusingCanaryResource.class)
class CanaryRefusalTest {
  private static final String SERVED = RefusingCanaryResource.SERVED;
  private static final String CANARY_DIGEST = "sha256:" + "c3".repeat(32);
  private static final int REQUESTS = 20;

  @TestHTTPResource("/")
  URI url;

  private Client router() {
    return new Client(url, null);
  }

  @Test
  void aCanaryThePodRefusesIsServedByStableAndIsNotCountedAsFailed() throws Exception {
    RolloutNamespace.writeRollout(
        RefusingCanaryResource.NAMESPACE, SERVED, "Progressing", CANARY_DIGEST, 1, 100);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (window() == null && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    assertThat(window()).as("the router took the rollout").isNotNull();
    RefusingCanaryPod pod = RefusingCanaryResource.POD;
    int refusedBefore = pod.refused();
    for (int i = 0; i < REQUESTS; i++) {
      Client.Result r = router().call(Client.completion(SERVED, "hello " + i, 3, false));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(Client.JSON.readTree(r.body()).path("choices").path(0).path("text").asText())
          .isEqualTo(RefusingCanaryPod.STABLE_TEXT);
    }
    assertThat(pod.refused() - refusedBefore)
        .as("every request tried the canary first")
        .isEqualTo(REQUESTS);
    JsonNode w = window();
    assertThat(w.path("canary").path("failures").asLong()).as(w.toString()).isZero();
    assertThat(w.path("canary").path("requests").asLong()).as(w.toString()).isZero();
    assertThat(w.path("stable").path("requests").asLong()).as(w.toString()).isEqualTo(REQUESTS);
    assertThat(w.path("stable").path("failures").asLong()).as(w.toString()).isZero();
    assertThat(
            Prometheus.sum(
                router().getText("/metrics"),
                "lorafleet_router_rollout_requests_total",
                Map.of("model", SERVED, "version", "canary")))
        .as("no canary request counted in the metrics either")
        .isZero();
  }

  /** The router's window of the rollout written above, or null. */
  private JsonNode window() throws Exception {
    for (JsonNode w : router().get("/v1/router/rollouts").path("rollouts")) {
      if (w.path("served_name").asText().equals(SERVED)
          && w.path("canary_digest").asText().equals(CANARY_DIGEST)) {
        return w;
      }
    }
    return null;
  }
}
