package io.lorafleet.operator.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.operator.testing.kubelet.ProcessDeploymentController.ServerPod;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

/** What a user and an admin see of a real server pod: completions and the loaded adapters. */
final class ServingPodClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String adminToken;

  ServingPodClient(String adminToken) {
    this.adminToken = adminToken;
  }

  /** Greedy completion text from the OpenAI-compatible API. */
  String complete(ServerPod pod, String model, String prompt) throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of("model", model, "prompt", prompt, "max_tokens", 6, "temperature", 0));
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(pod.uri("/v1/completions"))
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

  /** Served name to digest, from the admin API. */
  Map<String, String> loaded(ServerPod pod) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(pod.uri("/v1/adapters"))
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
