package io.lorafleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Back-pressure: a full waiting queue answers 429 and an unreachable deadline 503. */
@QuarkusTest
@WithTestResource(
    value = ServerTestResource.class,
    initArgs = {
      @ResourceArg(name = "lorafleet.server.max-running", value = "1"),
      @ResourceArg(name = "lorafleet.server.max-waiting", value = "2")
    })
class OverloadTest {
  @TestHTTPResource("/")
  URI url;

  @Test
  void aFullQueueIsRefusedWith429AndRetryAfter() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    HttpClient http = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    sent.add(send(http, 0));
    // The first request must be running (out of the waiting queue) before the rest arrive, or the
    // queue's two places are all that is free and the count below depends on the engine thread's
    // timing (seen under CPU load: only 2 accepted).
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (Fixture.JSON.readTree(f.get("/v1/pod/state").body()).path("running").asInt() < 1) {
      assertThat(System.nanoTime()).as("first request running within 30 s").isLessThan(deadline);
      Thread.sleep(5);
    }
    for (int i = 1; i < 12; i++) {
      sent.add(send(http, i));
    }
    int ok = 0;
    int refused = 0;
    for (var s : sent) {
      HttpResponse<String> r = s.join();
      if (r.statusCode() == 200) {
        ok++;
      } else {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(Fixture.JSON.readTree(r.body()).path("error").path("type").asText())
            .isEqualTo("rate_limit_error");
        refused++;
      }
    }
    assertThat(ok).isGreaterThanOrEqualTo(3); // one running plus two waiting at any time
    assertThat(refused).isGreaterThan(0);
    assertThat(ok + refused).isEqualTo(12);
  }

  private CompletableFuture<HttpResponse<String>> send(HttpClient http, int i) {
    var body = Fixture.completion("tiny-llama", "long answer " + i, 400);
    return http.sendAsync(
        HttpRequest.newBuilder(url.resolve("/v1/completions"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aDeadlineThatCannotBeMetIsRefusedAtOnce() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    // One request first, so the server has step timings to estimate with.
    assertThat(
            f.post("/v1/completions", Fixture.completion("tiny-llama", "warm", 8), null)
                .statusCode())
        .isEqualTo(200);
    HttpRequest r =
        HttpRequest.newBuilder(url.resolve("/v1/completions"))
            .header("Content-Type", "application/json")
            .header("X-Lorafleet-Deadline-Ms", "1")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    Fixture.completion("tiny-llama", "too late", 1000).toString()))
            .build();
    HttpResponse<String> resp =
        HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(503);
    assertThat(Fixture.JSON.readTree(resp.body()).path("error").path("code").asText())
        .isEqualTo("deadline_exceeded");
    assertThat(resp.headers().firstValue("Retry-After")).isPresent();
  }
}
