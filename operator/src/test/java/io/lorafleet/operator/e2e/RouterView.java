package io.lorafleet.operator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What a router says of itself: the pods it routes to, and its retries (its /metrics). */
final class RouterView {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One keep-alive client for every look: a new client per request (its own selector thread and
   * connection) costs hundreds of milliseconds on a loaded machine, which would be counted in the
   * time the router takes to drop a dead pod.
   */
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private RouterView() {}

  /** The pods the router would route to now ({@code GET /v1/router/pods}), as ip:port. */
  static Set<String> routable(URI router) throws Exception {
    JsonNode pods = JSON.readTree(get(router.resolve("/v1/router/pods")));
    Set<String> result = new HashSet<>();
    for (JsonNode pod : pods.path("data")) {
      if (pod.path("routable").asBoolean()) {
        result.add(pod.path("id").asText());
      }
    }
    return result;
  }

  /** Requests the router has outstanding on each pod now (ip:port). */
  static Map<String, Integer> outstanding(URI router) throws Exception {
    JsonNode pods = JSON.readTree(get(router.resolve("/v1/router/pods")));
    Map<String, Integer> result = new TreeMap<>();
    for (JsonNode pod : pods.path("data")) {
      result.put(pod.path("id").asText(), pod.path("outstanding").asInt());
    }
    return result;
  }

  /** The router's retries so far, by reason. */
  static Map<String, Double> retries(URI router) throws Exception {
    Map<String, Double> result = new TreeMap<>();
    for (String line : get(router.resolve("/metrics")).lines().toList()) {
      if (line.startsWith("lorafleet_router_retries_total{")) {
        String reason = line.replaceFirst(".*reason=\"([^\"]*)\".*", "$1");
        double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        result.merge(reason, value, Double::sum);
      }
    }
    return result;
  }

  private static String get(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + uri + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }
}
