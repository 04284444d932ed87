package io.lorafleet.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.ServerTestResource;
import io.lorafleet.serving.testing.SlowBodies;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * 220 loopback connections that send their body one byte a second (more than the 200 worker
 * threads) must not take the server away from everyone else: health, metrics, the admin API and a
 * normal completion still answer, and the slow bodies are cut with 408 at the body-read timeout.
 */
@QuarkusTest
@WithTestResource(
    value = ServerTestResource.class,
    initArgs = @ResourceArg(name = "lorafleet.server.body-read-timeout", value = "2s"))
class SlowBodyTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TestHTTPResource("/")
  URI url;

  @Test
  void slowBodiesDoNotHoldTheServer() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    try (SlowBodies slow = new SlowBodies(url, "/v1/completions", 220, 1000, 30)) {
      Thread.sleep(1000); // every slow request has been dispatched by now
      assertThat(send(get("/health/ready")).statusCode()).isEqualTo(200);
      assertThat(send(get("/metrics")).statusCode()).isEqualTo(200);
      HttpRequest admin =
          HttpRequest.newBuilder(url.resolve("/v1/adapters"))
              .timeout(Duration.ofSeconds(8))
              .header("Authorization", "Bearer " + ServerTestResource.TOKEN)
              .build();
      assertThat(send(admin).statusCode()).isEqualTo(200);
      HttpRequest completion =
          HttpRequest.newBuilder(url.resolve("/v1/completions"))
              .timeout(Duration.ofSeconds(8))
              .header("Content-Type", "application/json")
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      Fixture.completion("tiny-llama", "hello", 4).toString()))
              .build();
      HttpResponse<String> r = send(completion);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (slow.open() > 0 && System.nanoTime() < end) {
        Thread.sleep(200);
      }
      assertThat(slow.answered408()).as("slow bodies cut with 408").isEqualTo(220);
    }
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofSeconds(8)).build();
  }

  private static HttpResponse<String> send(HttpRequest r) throws Exception {
    return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
  }
}
