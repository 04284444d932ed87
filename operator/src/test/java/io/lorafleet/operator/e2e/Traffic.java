package io.lorafleet.operator.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients that keep sending short greedy completions, each cycling through the models, until
 * stopped: every answer that is not a 200 (or a request that gets no answer) is a failure, with
 * what it got. Nothing is retried here. A short pause between requests keeps the CPU for the pods.
 */
final class Traffic implements AutoCloseable {
  private static final Duration PAUSE = Duration.ofMillis(20);

  /** What the clients saw. */
  record Summary(int total, List<String> failures, Map<String, Integer> perPod) {}

  private final AtomicBoolean stopped = new AtomicBoolean();
  private final AtomicInteger total = new AtomicInteger();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> perPod = new ConcurrentHashMap<>();
  private final List<Thread> clients = new ArrayList<>();

  private Traffic() {}

  static Traffic start(URI base, List<String> models, int clients) {
    Traffic traffic = new Traffic();
    for (int c = 0; c < clients; c++) {
      int first = c;
      traffic.clients.add(
          Thread.ofPlatform()
              .name("traffic-" + c)
              .daemon()
              .start(() -> traffic.send(base, models, first)));
    }
    return traffic;
  }

  private void send(URI base, List<String> models, int first) {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      for (int i = first; !stopped.get(); i++) {
        String model = models.get(i % models.size());
        try {
          HttpResponse<String> r =
              http.send(
                  request(base.resolve("/v1/completions"), model),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            r.headers()
                .firstValue("X-Lorafleet-Pod")
                .ifPresent(p -> perPod.merge(p, 1, Integer::sum));
          } else {
            failures.add(model + ": HTTP " + r.statusCode() + " " + r.body());
          }
        } catch (IOException e) {
          failures.add(model + ": " + e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        total.incrementAndGet();
        try {
          Thread.sleep(PAUSE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static HttpRequest request(URI uri, String model) {
    String body =
        "{\"model\":\"" + model + "\",\"prompt\":\"abc\",\"max_tokens\":3,\"temperature\":0}";
    return HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** Waits until {@code count} more requests have ended (at most a minute). */
  void awaitMore(int count) throws InterruptedException {
    int target = total.get() + count;
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (total.get() < target && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /** Stops the clients (each finishes its request in flight) and says what they saw. */
  Summary stop() throws InterruptedException {
    stopped.set(true);
    for (Thread client : clients) {
      client.join(Duration.ofSeconds(90));
    }
    return new Summary(total.get(), List.copyOf(failures), new TreeMap<>(perPod));
  }

  @Override
  public void close() throws InterruptedException {
    if (!stopped.get()) {
      stop();
    }
  }

  /** A GET's body; fails on anything but 200. */
  static String get(URI uri) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("GET " + uri + ": HTTP " + r.statusCode() + " " + r.body());
      }
      return r.body();
    }
  }
}
