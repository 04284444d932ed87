package io.lorafleet.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Clients of one served name that send greedy completions through a pool's router until stopped,
 * cycling through their prompts, and keep every answer's text: the versions of an adapter are told
 * apart by what they answer (the router and the pods name no version to clients). Requests carry no
 * {@code user} field, so the router splits them at random, per request. Nothing is retried: every
 * non-200 is a failure. A short pause between requests keeps the CPU for the pods.
 */
final class VersionClients implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_TOKENS = 4;

  /** One client request: when it was sent, for which prompt, and its text (null when it failed). */
  record Answer(Instant sent, String prompt, String text, String error) {}

  /** How many of some answers were the canary's. */
  record Share(int canary, int total) {
    double fraction() {
      return total == 0 ? 0 : (double) canary / total;
    }

    @Override
    public String toString() {
      return canary + "/" + total;
    }
  }

  private final AtomicBoolean stopped = new AtomicBoolean();
  private final List<Answer> answers = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  private VersionClients() {}

  static VersionClients start(URI router, String model, List<String> prompts, int clients) {
    VersionClients c = new VersionClients();
    for (int i = 0; i < clients; i++) {
      int first = i;
      c.threads.add(
          Thread.ofPlatform()
              .name("version-client-" + i)
              .daemon()
              .start(() -> c.send(router, model, prompts, first)));
    }
    return c;
  }

  private void send(URI router, String model, List<String> prompts, int first) {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      for (int i = first; !stopped.get(); i++) {
        String prompt = prompts.get(i % prompts.size());
        Instant sent = Instant.now();
        try {
          HttpResponse<String> r =
              http.send(completion(router, model, prompt), HttpResponse.BodyHandlers.ofString());
          answers.add(
              r.statusCode() == 200
                  ? new Answer(sent, prompt, ProcessPool.text(r), null)
                  : new Answer(sent, prompt, null, "HTTP " + r.statusCode() + " " + r.body()));
        } catch (IOException e) {
          answers.add(new Answer(sent, prompt, null, e.toString()));
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until {@code count} more requests have ended (at most two minutes). */
  void awaitMore(int count) throws InterruptedException {
    int target = answers.size() + count;
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (answers.size() < target && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /** Stops the clients (each finishes its request in flight); what they saw. */
  List<Answer> stop() throws InterruptedException {
    stopped.set(true);
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(90));
    }
    return List.copyOf(answers);
  }

  /** Stops the clients when a test ends early (its assertion failed): they must not run on. */
  @Override
  public void close() {
    if (!stopped.get()) {
      try {
        stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // --- what the answers say ----------------------------------------------------------------

  /** The failed requests' errors. */
  static List<String> failures(List<Answer> answers) {
    return answers.stream().filter(a -> a.text() == null).map(Answer::error).toList();
  }

  /** Of the answered requests {@code which} selects, how many had {@code canaryText}. */
  static Share share(List<Answer> answers, Predicate<Answer> which, String canaryText) {
    List<Answer> selected = answers.stream().filter(which).filter(a -> a.text() != null).toList();
    int canary = (int) selected.stream().filter(a -> canaryText.equals(a.text())).count();
    return new Share(canary, selected.size());
  }

  static Predicate<Answer> within(Instant from, Instant to) {
    return a -> !a.sent().isBefore(from) && a.sent().isBefore(to);
  }

  static Predicate<Answer> after(Instant when) {
    return a -> a.sent().isAfter(when);
  }

  // --- single requests ---------------------------------------------------------------------

  /** Each prompt's greedy text through the router, once it routes the name (before counting). */
  static Map<String, String> awaitTexts(URI router, String model, List<String> prompts) {
    Map<String, String> texts = new LinkedHashMap<>();
    for (String prompt : prompts) {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                HttpResponse<String> r = complete(router, model, prompt);
                assertThat(r.statusCode()).as("%s: %s", model, r.body()).isEqualTo(200);
                texts.put(prompt, ProcessPool.text(r));
              });
    }
    return texts;
  }

  /** The clients' greedy completion of {@code prompt} for {@code model}, sent to {@code base}. */
  static HttpResponse<String> complete(URI base, String model, String prompt) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(completion(base, model, prompt), HttpResponse.BodyHandlers.ofString());
    }
  }

  private static HttpRequest completion(URI base, String model, String prompt) {
    String body;
    try {
      body =
          JSON.writeValueAsString(
              Map.of("model", model, "prompt", prompt, "max_tokens", MAX_TOKENS, "temperature", 0));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return HttpRequest.newBuilder(base.resolve("/v1/completions"))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
