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
import java.util.function.IntFunction;

/**
 * A closed loop of streaming clients, timed at the client: time to the first content event and the
 * gaps between consecutive events.
 */
final class StreamTimings {
  // HTTP/1.1 as OpenAI's clients speak it; -Dlorafleet.routing.http=2 lets the JDK client upgrade
  // to h2c (all streams to one host then share one connection)
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(
              "2".equals(System.getProperty("lorafleet.routing.http", "1.1"))
                  ? HttpClient.Version.HTTP_2
                  : HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  final List<Long> ttft = Collections.synchronizedList(new ArrayList<>());
  final List<Long> itl = Collections.synchronizedList(new ArrayList<>());
  int failures;

  /** {@code clients} clients, each sending {@code each} requests to {@code target.apply(i)}. */
  static StreamTimings run(int clients, int each, int maxTokens, IntFunction<URI> target)
      throws Exception {
    StreamTimings t = new StreamTimings();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<Integer>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      done.add(
          pool.submit(
              () -> {
                int failed = 0;
                for (int k = 0; k < each; k++) {
                  failed += t.one(target.apply(client * each + k), maxTokens) ? 0 : 1;
                }
                return failed;
              }));
    }
    for (Future<Integer> f : done) {
      t.failures += f.get();
    }
    pool.shutdown();
    return t;
  }

  private boolean one(URI base, int maxTokens) throws Exception {
    String body =
        "{\"model\":\"tiny\",\"prompt\":\"a long story\",\"max_tokens\":"
            + maxTokens
            + ",\"temperature\":0,\"stream\":true}";
    long start = System.nanoTime();
    HttpResponse<InputStream> r =
        HTTP.send(
            HttpRequest.newBuilder(base.resolve("/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      r.body().close();
      return false;
    }
    long last = 0;
    boolean done = false;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        if (line.equals("data: [DONE]")) {
          done = true;
          break;
        }
        if (line.contains("\"error\"")) {
          return false;
        }
        long now = System.nanoTime();
        if (last == 0) {
          ttft.add(now - start);
        } else {
          itl.add(now - last);
        }
        last = now;
      }
    }
    return done;
  }

  static double percentileMs(List<Long> xs, double p) {
    List<Long> sorted = new ArrayList<>(xs);
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1);
    return sorted.get(Math.max(0, i)) / 1e6;
  }
}
