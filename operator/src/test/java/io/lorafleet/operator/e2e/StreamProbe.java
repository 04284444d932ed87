package io.lorafleet.operator.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One streamed completion (SSE) read line by line on a thread of its own: which pod serves it, when
 * its first event arrived, and how it ended (a {@code [DONE]}, an error event, or a broken
 * connection).
 */
final class StreamProbe {

  /** How the stream ended. {@code failure}: the connection broke (no clean end). */
  record Outcome(
      int status, String pod, int events, boolean done, String errorEvent, String failure) {}

  private final CountDownLatch firstEvent = new CountDownLatch(1);
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  private volatile String pod;

  private StreamProbe() {}

  static StreamProbe start(URI base, String model, String prompt, int maxTokens) {
    StreamProbe probe = new StreamProbe();
    String body =
        "{\"model\":\"%s\",\"prompt\":\"%s\",\"max_tokens\":%d,\"temperature\":0,\"stream\":true}"
            .formatted(model, prompt, maxTokens);
    Thread.ofVirtual().start(() -> probe.read(base.resolve("/v1/completions"), body));
    return probe;
  }

  private void read(URI uri, String body) {
    int status = 0;
    int events = 0;
    boolean done = false;
    String error = null;
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      HttpResponse<Stream<String>> response =
          http.send(
              HttpRequest.newBuilder(uri)
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofLines());
      status = response.statusCode();
      pod = response.headers().firstValue("X-Lorafleet-Pod").orElse(null);
      try (Stream<String> lines = response.body()) {
        for (String line : (Iterable<String>) lines::iterator) {
          if (!line.startsWith("data: ")) {
            continue;
          }
          String data = line.substring("data: ".length());
          if (data.equals("[DONE]")) {
            done = true;
          } else if (data.startsWith("{\"error\"")) {
            error = data;
          } else {
            events++;
            firstEvent.countDown();
          }
        }
      }
      outcome.complete(new Outcome(status, pod, events, done, error, null));
    } catch (Exception e) {
      outcome.complete(new Outcome(status, pod, events, done, error, e.toString()));
    } finally {
      firstEvent.countDown();
    }
  }

  /** Whether a first event (or the end) came within {@code timeout}. */
  boolean awaitFirstEvent(Duration timeout) throws InterruptedException {
    return firstEvent.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The pod serving it (null before the answer's headers). */
  String pod() {
    return pod;
  }

  boolean ended() {
    return outcome.isDone();
  }

  Outcome await(Duration timeout) throws Exception {
    return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
