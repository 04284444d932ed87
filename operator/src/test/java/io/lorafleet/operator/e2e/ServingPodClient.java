package io.lorafleet.operator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * What a user and an admin see of the serving pool: completions (through the Service) and the
 * adapters one pod holds (its admin API on the pod's address).
 */
final class ServingPodClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String adminToken;

  ServingPodClient(String adminToken) {
    this.adminToken = adminToken;
  }

  /**
   * Greedy completion text from the OpenAI-compatible API at {@code base}, on a connection of its
   * own (a Service balances connections, not requests).
   */
  String complete(URI base, String model, String prompt) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of("model", model, "prompt", prompt, "max_tokens", 6, "temperature", 0));
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(base.resolve("/v1/completions"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException(
            "completion for " + model + ": HTTP " + response.statusCode() + " " + response.body());
      }
      return JSON.readTree(response.body()).at("/choices/0/text").asText();
    }
  }

  /** Served name to digest, from the admin API of the pod at {@code pod}. */
  Map<String, String> loaded(URI pod) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(pod.resolve("/v1/adapters"))
                  .header("Authorization", "Bearer " + adminToken)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("GET /v1/adapters: HTTP " + response.statusCode());
      }
      Map<String, String> result = new HashMap<>();
      for (JsonNode adapter : JSON.readTree(response.body()).path("data")) {
        result.put(adapter.path("name").asText(), adapter.path("digest").asText());
      }
      return result;
    }
  }
}
