package io.lorafleet.bench.routing;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One arm of the pool-throughput bench: {@code clients} streaming clients in a closed loop take the
 * requests of one sequence in order (request {@code i} asks for adapter {@code models.apply(i)} at
 * {@code target.apply(i)}) until it is used up. Timed at the client: wall time from the first send
 * to the last answer, time to the first event of each stream, completion tokens from the stream's
 * usage.
 */
final class ThroughputRun {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");

  final List<Long> ttft = Collections.synchronizedList(new ArrayList<>());
  final AtomicLong tokens = new AtomicLong();
  final AtomicInteger failures = new AtomicInteger();
  final List<String> failureSamples = Collections.synchronizedList(new ArrayList<>());
  long wallNanos;

  double tokensPerSecond() {
    return tokens.get() / (wallNanos / 1e9);
  }

  static ThroughputRun run(
      int requests, int clients, int maxTokens, IntFunction<String> models, IntFunction<URI> target)
      throws Exception {
    ThroughputRun t = new ThroughputRun();
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long start = System.nanoTime();
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      done.add(
          pool.submit(
              () -> {
                for (int i; (i = next.getAndIncrement()) < requests; ) {
                  t.one(target.apply(i), models.apply(i), maxTokens);
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    t.wallNanos = System.nanoTime() - start;
    pool.shutdown();
    return t;
  }

  private void one(URI base, String model, int maxTokens) {
    String body =
        "{\"model\":\""
            + model
            + "\",\"prompt\":\"a long story\",\"max_tokens\":"
            + maxTokens
            + ",\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
    long start = System.nanoTime();
    try {
      HttpResponse<InputStream> r =
          HTTP.send(
              HttpRequest.newBuilder(base.resolve("/v1/completions"))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(180))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        String answer = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        fail(model + " at " + base + ": " + r.statusCode() + " " + answer);
        return;
      }
      boolean first = true;
      long usage = -1;
      long events = 0;
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (!line.startsWith("data: ")) {
            continue;
          }
          if (line.equals("data: [DONE]")) {
            tokens.addAndGet(usage >= 0 ? usage : events);
            return;
          }
          if (line.contains("\"error\"")) {
            fail(model + " at " + base + ": " + line);
            return;
          }
          Matcher m = COMPLETION_TOKENS.matcher(line);
          if (m.find()) {
            usage = Long.parseLong(m.group(1));
            continue;
          }
          if (first) {
            ttft.add(System.nanoTime() - start);
            first = false;
          }
          events++;
        }
      }
      fail(model + " at " + base + ": stream ended without [DONE]");
    } catch (Exception e) {
      fail(model + " at " + base + ": " + e);
    }
  }

  private void fail(String why) {
    if (failures.incrementAndGet() <= 5) {
      failureSamples.add(why);
    }
  }
}
