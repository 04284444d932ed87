package io.lorafleet.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.server.testing.Fixture;
import io.lorafleet.server.testing.RawClient;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The bounded abuse run (loopback only, 20 s of abuse, stops by itself): slow bodies, clients that
 * hang up mid-stream, oversized prompts and template payloads all at once, while a well-behaved
 * client's requests keep succeeding (each within a 10 s client timeout). Prints the well-behaved
 * client's p50/p99 alone and under abuse; the numbers are recorded in the report, not asserted
 * tightly (CI machines are shared).
 */
@QuarkusTest
@WithTestResource(
    value = ServerTestResource.class,
    initArgs = @ResourceArg(name = "lorafleet.server.body-read-timeout", value = "2s"))
class AbuseTest {
  private static final Duration ABUSE = Duration.ofSeconds(20);
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @TestHTTPResource("/")
  URI url;

  @Test
  void aWellBehavedClientKeepsBeingServedUnderAbuse() throws Exception {
    Fixture f = new Fixture(url);
    f.awaitReady();
    List<Long> alone = wellBehaved(System.nanoTime() + Duration.ofSeconds(5).toNanos());
    long end = System.nanoTime() + ABUSE.toNanos();
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    AtomicInteger hangUps = new AtomicInteger();
    AtomicInteger oversized = new AtomicInteger();
    AtomicInteger templates = new AtomicInteger();
    List<Thread> abusers = new ArrayList<>();
    String huge = "lorem ipsum ".repeat(200_000); // 2.4 MB
    ObjectNode bomb = Fixture.JSON.createObjectNode().put("model", "tiny-llama");
    bomb.put("max_tokens", 4).put("temperature", 0);
    bomb.putArray("messages")
        .addObject()
        .put("role", "user")
        .put(
            "content",
            "{% for a in range(999) %}{% for b in range(999) %}{% for c in range(999) %}x"
                + "{% endfor %}{% endfor %}{% endfor %}{% include 'application.properties' %}");
    abusers.add(
        loop(
            end,
            () -> {
              try (RawClient c =
                  new RawClient(
                      url,
                      "/v1/completions",
                      Fixture.completion("tiny-llama", "hang up", 500)
                          .put("stream", true)
                          .toString())) {
                c.readUntil("data: ");
              }
              hangUps.incrementAndGet();
            },
            wrong));
    abusers.add(
        loop(
            end,
            () -> {
              HttpResponse<String> r =
                  post("/v1/completions", Fixture.completion("tiny-llama", huge, 4).toString());
              if (r.statusCode() != 400 || !r.body().contains("context_length_exceeded")) {
                wrong.add("oversized: " + r.statusCode() + " " + r.body());
              }
              oversized.incrementAndGet();
            },
            wrong));
    abusers.add(
        loop(
            end,
            () -> {
              HttpResponse<String> r = post("/v1/chat/completions", bomb.toString());
              if (r.statusCode() != 200 || r.body().contains("quarkus.")) {
                wrong.add("template: " + r.statusCode() + " " + r.body());
              }
              templates.incrementAndGet();
            },
            wrong));
    List<Long> underAbuse;
    try (SlowBodies slow =
        new SlowBodies(url, "/v1/completions", 100, 1000, (int) ABUSE.toSeconds())) {
      underAbuse = wellBehaved(end);
    }
    for (Thread t : abusers) {
      t.join(30_000);
    }
    System.out.printf(
        "abuse run: well-behaved alone p50 %d ms p99 %d ms (%d requests); under abuse p50 %d ms"
            + " p99 %d ms (%d requests); hang-ups %d, oversized %d, template payloads %d%n",
        pct(alone, 50),
        pct(alone, 99),
        alone.size(),
        pct(underAbuse, 50),
        pct(underAbuse, 99),
        underAbuse.size(),
        hangUps.get(),
        oversized.get(),
        templates.get());
    assertThat(wrong).isEmpty();
    assertThat(hangUps.get()).isPositive();
    assertThat(oversized.get()).isPositive();
    assertThat(templates.get()).isPositive();
    assertThat(underAbuse.size()).isGreaterThanOrEqualTo(10);
  }

  /** Sequential greedy completions until {@code end}; each must succeed. Latencies in ms. */
  private List<Long> wellBehaved(long end) throws Exception {
    List<Long> ms = new ArrayList<>();
    while (System.nanoTime() < end) {
      long start = System.nanoTime();
      HttpResponse<String> r =
          post("/v1/completions", Fixture.completion("tiny-llama", "well behaved", 8).toString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      ms.add((System.nanoTime() - start) / 1_000_000);
    }
    return ms;
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(url.resolve(path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  interface Step {
    void run() throws Exception;
  }

  private static Thread loop(long end, Step step, ConcurrentLinkedQueue<String> wrong) {
    return Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              while (System.nanoTime() < end) {
                try {
                  step.run();
                } catch (Exception e) {
                  wrong.add(e.toString());
                }
              }
            });
  }

  private static long pct(List<Long> values, int p) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
  }
}
