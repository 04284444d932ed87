package io.lorafleet.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.RawClient;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A client that hangs up cancels its request wherever it is: running and streamed, waiting and
 * whole, waiting and streamed. One sequence runs at a time, so the waiting ones stay queued behind
 * a 2,000-token stream until their clients leave.
 */
@QuarkusTest
@WithTestResource(
    value = ServerTestResource.class,
    initArgs = @ResourceArg(name = "lorafleet.server.max-running", value = "1"))
class DisconnectCancelsTest {
  private static final Map<String, String> CANCELLED = Map.of("outcome", "cancelled");

  @TestHTTPResource("/")
  URI url;

  @Test
  void hangingUpCancelsRunningAndQueuedRequests() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    double before = f.metric("lorafleet_server_requests_total", CANCELLED);
    ObjectNode running = Fixture.completion("tiny-llama", "a long story", 2000).put("stream", true);
    ObjectNode chat = Fixture.JSON.createObjectNode().put("model", "tiny-llama");
    chat.put("max_tokens", 1500).put("stream", true);
    chat.putArray("messages").addObject().put("role", "user").put("content", "hello");
    try (RawClient a = new RawClient(url, "/v1/completions", running.toString())) {
      a.readUntil("data: ");
      try (RawClient b =
              new RawClient(
                  url,
                  "/v1/completions",
                  Fixture.completion("tiny-llama", "queued", 1500).toString());
          RawClient c = new RawClient(url, "/v1/chat/completions", chat.toString())) {
        awaitMetric(f, "lorafleet_server_requests_waiting", Map.of(), 2);
      }
    }
    awaitMetric(f, "lorafleet_server_requests_total", CANCELLED, before + 3);
    awaitMetric(f, "lorafleet_server_requests_running", Map.of(), 0);
    awaitMetric(f, "lorafleet_server_requests_waiting", Map.of(), 0);
    var r = f.post("/v1/completions", Fixture.completion("tiny-llama", "after", 4), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static void awaitMetric(Fixture f, String name, Map<String, String> labels, double want)
      throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    double seen = f.metric(name, labels);
    while (seen != want && System.nanoTime() < end) {
      Thread.sleep(50);
      seen = f.metric(name, labels);
    }
    assertThat(seen).as("%s%s", name, labels).isEqualTo(want);
  }
}
