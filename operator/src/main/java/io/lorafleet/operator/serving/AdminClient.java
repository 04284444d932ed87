package io.lorafleet.operator.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The serving pods' adapter admin API (vLLM-compatible, plus GET /v1/adapters). Bodies carry names
 * and s3:// paths only; the pod fetches artifacts with its own mounted credentials. The bearer
 * token travels in the Authorization header.
 */
public final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern VERSION_DIR = Pattern.compile("sha256-([0-9a-f]{64})/?$");

  /**
   * HTTP/1.1: the default HTTP/2 offers an h2c upgrade on http:// URLs, which mesh sidecars and
   * proxies between the operator and the pods may refuse.
   */
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(3))
          .build();

  /** Loads (or atomically replaces) {@code name} with the version at {@code path}. */
  public void load(URI endpoint, String token, String name, String path)
      throws AdminRefusal, IOException, InterruptedException {
    HttpResponse<String> response =
        post(
            endpoint,
            token,
            "/v1/load_lora_adapter",
            Map.of("lora_name", name, "lora_path", path, "load_inplace", true));
    int status = response.statusCode();
    if (status == 200 || status == 409) { // 409: already loaded, which is what we want
      return;
    }
    if (status == 400 || status == 422) {
      throw refusal(response);
    }
    if (status == 401) {
      throw new Unauthorized("load of " + name + " on " + endpoint + ": HTTP 401");
    }
    throw new IOException("load of " + name + " on " + endpoint + ": HTTP " + status);
  }

  /** Unloads {@code name}; "not loaded" (404) is success. */
  public void unload(URI endpoint, String token, String name)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        post(endpoint, token, "/v1/unload_lora_adapter", Map.of("lora_name", name));
    if (response.statusCode() == 401) {
      throw new Unauthorized("unload of " + name + " on " + endpoint + ": HTTP 401");
    }
    if (response.statusCode() != 200 && response.statusCode() != 404) {
      throw new IOException(
          "unload of " + name + " on " + endpoint + ": HTTP " + response.statusCode());
    }
  }

  /**
   * What the pod has loaded, with digests: from GET /v1/adapters (builtin server), or, where that
   * does not exist (vLLM), from GET /v1/models, whose {@code root} is the path the adapter was
   * loaded from and so names its version directory.
   */
  public List<ResidentAdapter> resident(URI endpoint, String token)
      throws IOException, InterruptedException {
    return listResident(endpoint, token, "/v1/adapters");
  }

  /**
   * The digest the pod holds under {@code name}, if any. Asks the builtin server for that one
   * adapter ({@code GET /v1/adapters?name=}), so verifying a load costs the same on a pod with one
   * adapter as on one with thousands; filters again here, for servers that list everything.
   */
  public Optional<ResidentAdapter> resident(URI endpoint, String token, String name)
      throws IOException, InterruptedException {
    return listResident(
            endpoint,
            token,
            // %20, not form encoding's '+', which a path-style decoder keeps as '+'.
            "/v1/adapters?name="
                + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
        .stream()
        .filter(r -> r.name().equals(name))
        .findFirst();
  }

  private List<ResidentAdapter> listResident(URI endpoint, String token, String adaptersPath)
      throws IOException, InterruptedException {
    HttpResponse<String> response = get(endpoint, token, adaptersPath);
    List<ResidentAdapter> adapters = new ArrayList<>();
    if (response.statusCode() == 404) {
      HttpResponse<String> models = get(endpoint, token, "/v1/models");
      if (models.statusCode() != 200) {
        throw new IOException("GET /v1/models on " + endpoint + ": HTTP " + models.statusCode());
      }
      for (JsonNode model : JSON.readTree(models.body()).path("data")) {
        Matcher version = VERSION_DIR.matcher(model.path("root").asText(""));
        if (version.find()) {
          adapters.add(
              new ResidentAdapter(model.path("id").asText(), "sha256:" + version.group(1)));
        }
      }
      return adapters;
    }
    if (response.statusCode() == 401) {
      throw new Unauthorized("GET /v1/adapters on " + endpoint + ": HTTP 401");
    }
    if (response.statusCode() != 200) {
      throw new IOException("GET /v1/adapters on " + endpoint + ": HTTP " + response.statusCode());
    }
    for (JsonNode adapter : JSON.readTree(response.body()).path("data")) {
      adapters.add(
          new ResidentAdapter(adapter.path("name").asText(), adapter.path("digest").asText(null)));
    }
    return adapters;
  }

  private HttpResponse<String> get(URI endpoint, String token, String path)
      throws IOException, InterruptedException {
    HttpRequest request =
        authorized(HttpRequest.newBuilder(endpoint.resolve(path)), token)
            .timeout(TIMEOUT)
            .GET()
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(
      URI endpoint, String token, String path, Map<String, Object> body)
      throws IOException, InterruptedException {
    HttpRequest request =
        authorized(HttpRequest.newBuilder(endpoint.resolve(path)), token)
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder authorized(HttpRequest.Builder builder, String token) {
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  /** The pod refused the admin token: it holds a newer one (the Secret changed). */
  public static final class Unauthorized extends IOException {
    private static final long serialVersionUID = 1L;

    Unauthorized(String message) {
      super(message);
    }
  }

  /** OpenAI error shape: {"error": {"code": "RankTooLarge", "message": "..."}}. */
  private static AdminRefusal refusal(HttpResponse<String> response) {
    try {
      JsonNode error = JSON.readTree(response.body()).path("error");
      return new AdminRefusal(
          error.path("code").asText("LoadRefused"), error.path("message").asText(response.body()));
    } catch (IOException e) {
      return new AdminRefusal("LoadRefused", response.body());
    }
  }
}
