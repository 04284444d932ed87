package io.lorafleet.operator.loraadapter.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.serving.router.RolloutTraffic;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads {@code GET /v1/router/rollouts} from every router pod of a pool at once and adds up their
 * counts of one window (served name, canary digest, step); answers about another window (a router
 * that has not seen the step change yet) are left out. All pods are asked in parallel under one
 * short deadline, since this runs on a reconcile thread.
 */
public final class RouterRollouts {
  static final Duration DEADLINE = Duration.ofSeconds(3);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_BODY_CHARS = 4L << 20;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  /** The merged window, and the router pods that gave no usable answer ("pod (why)"). */
  public record Reading(RolloutTraffic traffic, List<String> unanswered) {}

  /** {@code routers}: pod name to its http endpoint. */
  public Reading read(Map<String, URI> routers, String servedName, String canaryDigest, int step)
      throws InterruptedException {
    RolloutTraffic merged =
        new RolloutTraffic(
            servedName,
            canaryDigest,
            step,
            RolloutTraffic.VersionTraffic.empty(),
            RolloutTraffic.VersionTraffic.empty());
    Map<String, CompletableFuture<HttpResponse<String>>> answers = new java.util.TreeMap<>();
    routers.forEach(
        (pod, endpoint) ->
            answers.put(
                pod,
                http.sendAsync(
                    HttpRequest.newBuilder(endpoint.resolve("/v1/router/rollouts"))
                        .timeout(DEADLINE)
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString())));
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    List<String> unanswered = new ArrayList<>();
    for (var answer : answers.entrySet()) {
      try {
        HttpResponse<String> response =
            answer.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (response.statusCode() != 200) {
          unanswered.add(answer.getKey() + " (HTTP " + response.statusCode() + ")");
          continue;
        }
        if (response.body().length() > MAX_BODY_CHARS) {
          unanswered.add(answer.getKey() + " (answer too large)");
          continue;
        }
        for (RolloutTraffic window :
            JSON.readValue(response.body(), RolloutTraffic.Rollouts.class).rollouts()) {
          if (window.servedName() != null
              && window.canaryDigest() != null
              && merged.sameWindow(window)) {
            merged = merged.merge(window);
          }
        }
      } catch (TimeoutException e) {
        answer.getValue().cancel(true);
        unanswered.add(answer.getKey() + " (no answer within " + DEADLINE.toSeconds() + " s)");
      } catch (ExecutionException e) {
        unanswered.add(answer.getKey() + " (" + e.getCause().getMessage() + ")");
      } catch (java.io.IOException | IllegalArgumentException e) {
        unanswered.add(answer.getKey() + " (unreadable answer: " + e.getMessage() + ")");
      }
    }
    return new Reading(merged, unanswered);
  }
}
