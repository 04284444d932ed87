package io.lorafleet.operator.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed sequence of short greedy completions whose models follow a Zipf popularity, sent by a
 * bounded number of clients (each on its own keep-alive connection, as real clients pool them, with
 * a short pause between its requests) until at least {@code minimum} have ended and {@link
 * #finish()} was called. Every answer that is not a 200, and every request that gets no answer, is
 * a failure; nothing is retried here.
 */
final class ZipfLoad {
  private static final Duration PAUSE = Duration.ofMillis(20);

  /** What the clients saw. */
  record Summary(int total, List<String> failures, Map<String, Integer> perPod) {
    /** Failures by their first words (model stripped), for a short report. */
    Map<String, Integer> failureKinds() {
      Map<String, Integer> kinds = new TreeMap<>();
      for (String f : failures) {
        String kind = f.substring(f.indexOf(": ") + 2);
        kinds.merge(kind.length() > 60 ? kind.substring(0, 60) : kind, 1, Integer::sum);
      }
      return kinds;
    }
  }

  private final List<String> sequence;
  private final int minimum;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger ended = new AtomicInteger();
  private final AtomicBoolean finishing = new AtomicBoolean();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> perPod = new ConcurrentHashMap<>();
  private final List<Thread> clients = new ArrayList<>();

  private ZipfLoad(List<String> sequence, int minimum) {
    this.sequence = sequence;
    this.minimum = minimum;
  }

  /**
   * {@code count} model names drawn from {@code models} with probability proportional to 1 /
   * rank^{@code exponent}; ranks are a seeded shuffle of the models, so popular and rare names mix
   * warm and cold adapters.
   */
  static List<String> sequence(List<String> models, int count, double exponent, long seed) {
    Random random = new Random(seed);
    List<String> ranked = new ArrayList<>(models);
    Collections.shuffle(ranked, random);
    double[] cumulative = new double[ranked.size()];
    double sum = 0;
    for (int k = 0; k < ranked.size(); k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      cumulative[k] = sum;
    }
    List<String> result = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      double u = random.nextDouble() * sum;
      int k = 0;
      while (cumulative[k] < u) {
        k++;
      }
      result.add(ranked.get(k));
    }
    return result;
  }

  /** Starts {@code clients} clients on {@code base} walking {@code sequence} (cyclically). */
  static ZipfLoad start(URI base, List<String> sequence, int minimum, int clients) {
    ZipfLoad load = new ZipfLoad(sequence, minimum);
    for (int c = 0; c < clients; c++) {
      load.clients.add(Thread.ofPlatform().name("zipf-" + c).daemon().start(() -> load.send(base)));
    }
    return load;
  }

  private void send(URI base) {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      while (true) {
        int i = next.getAndIncrement();
        if (i >= minimum && finishing.get()) {
          return;
        }
        String model = sequence.get(i % sequence.size());
        try {
          HttpResponse<String> r =
              http.send(request(base.resolve("/v1/completions"), model, i), ofString());
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
        ended.incrementAndGet();
        try {
          Thread.sleep(PAUSE); // leaves CPU to the pods that start during the rollout
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  private static HttpRequest request(URI uri, String model, int i) {
    // Two tokens: the test is about where requests go, not how long they run.
    String body =
        "{\"model\":\""
            + model
            + "\",\"prompt\":\"request "
            + i
            + "\",\"max_tokens\":2,\"temperature\":0}";
    return HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** Requests that have ended so far. */
  int ended() {
    return ended.get();
  }

  /** Lets the clients stop once {@code minimum} requests were started; waits for them to end. */
  Summary finish() throws InterruptedException {
    finishing.set(true);
    for (Thread client : clients) {
      client.join(Duration.ofMinutes(3));
      if (client.isAlive()) {
        throw new IllegalStateException(client.getName() + " did not end within 3 minutes");
      }
    }
    return new Summary(ended.get(), List.copyOf(failures), new TreeMap<>(perPod));
  }
}
