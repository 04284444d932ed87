package io.lorafleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** The two calls the demo makes: load an adapter (admin API) and a greedy completion. */
final class ServerClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ServerProcess server;
  private final String adminToken;

  ServerClient(ServerProcess server, String adminToken) {
    this.server = server;
    this.adminToken = adminToken;
  }

  void load(String name, String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        post(
            "/v1/load_lora_adapter",
            Map.of("lora_name", name, "lora_path", path),
            "Bearer " + adminToken);
    if (r.statusCode() != 200) {
      throw new IOException("loading " + name + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }

  String complete(String model, String prompt, int maxTokens)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        post(
            "/v1/completions",
            Map.of("model", model, "prompt", prompt, "max_tokens", maxTokens, "temperature", 0),
            null);
    if (r.statusCode() != 200) {
      throw new IOException("completion: HTTP " + r.statusCode() + " " + r.body());
    }
    JsonNode body = JSON.readTree(r.body());
    return body.at("/choices/0/text").asText();
  }

  private HttpResponse<String> post(String path, Map<String, Object> body, String auth)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(server.uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
