package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server names its backend and why in /metrics: the CPU by default here (no GPU), the host
 * build of the CUDA kernels when the suite runs with {@code -Dlorafleet.backend=host-device} (the
 * pom's host-device execution), so that run provably went through the device code path; and a
 * greedy completion on an adapter works there and repeats exactly.
 */
@QuarkusTest
@WithTestResource(ServerTestResource.class)
class BackendChoiceTest {
  @TestHTTPResource("/")
  URI url;

  @Test
  void metricsNameTheBackendAndTheReason() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    String expected = System.getProperty("lorafleet.backend", "cpu");
    assertThat(
            f.metric("lorafleet_server_backend", Map.of("provider", expected, "requested", "auto")))
        .isEqualTo(1.0);
    String reason =
        expected.equals("cpu")
            ? "reason=\"auto: cuda unavailable ("
            : "reason=\"auto replaced by -Dlorafleet.backend=" + expected + "\"";
    assertThat(f.get("/metrics").body()).contains(reason);
  }

  @Test
  void aCompletionOnAnAdapterRunsOnTheChosenBackendAndRepeatsExactly() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    var load = f.load("choice", f.publishAdapter("choice", 8, 77), false);
    assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
    var body = Fixture.completion("choice", "the quick brown fox", 4);
    var first = f.post("/v1/completions", body, null);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    String text = Fixture.JSON.readTree(first.body()).path("choices").path(0).path("text").asText();
    var again = f.post("/v1/completions", body, null);
    assertThat(Fixture.JSON.readTree(again.body()).path("choices").path(0).path("text").asText())
        .isEqualTo(text);
    assertThat(f.unload("choice").statusCode()).isEqualTo(200);
  }
}
