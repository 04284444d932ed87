package io.lorafleet.server.hardening;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * With 24 worker threads and a waiting queue of 100, 30 concurrent long requests would fill the
 * threads long before the queue: the server must answer 429 with Retry-After instead of letting
 * requests hang for a thread, and health must stay answerable.
 */
@QuarkusTest
@WithTestResource(
    value = ServerTestResource.class,
    initArgs = {
      @ResourceArg(name = "quarkus.thread-pool.max-threads", value = "24"),
      @ResourceArg(name = "lorafleet.server.max-running", value = "2"),
      @ResourceArg(name = "lorafleet.server.max-waiting", value = "100")
    })
class AdmissionTest {
  @TestHTTPResource("/")
  URI url;

  @Test
  void requestsBeyondTheWorkerThreadsGet429() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      sent.add(
          http.sendAsync(
              HttpRequest.newBuilder(url.resolve("/v1/completions"))
                  .timeout(Duration.ofSeconds(120))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          Fixture.completion("tiny-llama", "long answer " + i, 300).toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Thread.sleep(500);
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(url.resolve("/health/ready"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
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
    assertThat(refused).isPositive();
    assertThat(ok).isGreaterThanOrEqualTo(8);
  }
}
