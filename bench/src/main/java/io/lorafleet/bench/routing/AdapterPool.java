package io.lorafleet.bench.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.serving.pod.PodState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bench's adapters (small random LoRAs of the tiny model, in local directories) and what it
 * does with them on the pods through their admin API: register every adapter on every pod (name,
 * path, digest; nothing is read until a request asks for it), and reset a pod by unregistering
 * every adapter (which unloads it from every tier) and registering it again.
 */
final class AdapterPool {
  static final String ADMIN_TOKEN = "routing-bench-admin-token";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  final Path root;
  final List<String> names = new ArrayList<>();
  private final List<String[]> registrations = new ArrayList<>();

  private AdapterPool(Path root) {
    this.root = root;
  }

  /** {@code count} adapters under {@code root} (made once, deterministic seeds), with digests. */
  static AdapterPool create(Path root, Path model, int count) throws IOException {
    AdapterPool pool = new AdapterPool(root);
    var config = ModelLoader.config(model);
    for (int a = 0; a < count; a++) {
      String name = "a" + a;
      Path dir = root.resolve(name);
      if (!Files.isRegularFile(dir.resolve("adapter_config.json"))) {
        Files.createDirectories(dir);
        TestAdapterGenerator.write(
            TestAdapterGenerator.Spec.simple(4, 8.0, List.of("q_proj", "v_proj"), 900 + a),
            config,
            dir);
      }
      String digest = Sha256.hex(ArtifactStore.manifestOf(dir, Map.of()).toBytes());
      pool.names.add(name);
      pool.registrations.add(new String[] {name, dir.toString(), digest});
    }
    return pool;
  }

  void registerAll(URI pod) throws Exception {
    for (String[] r : registrations) {
      admin(
          pod,
          "/v1/register_lora_adapter",
          "{\"lora_name\":\""
              + r[0]
              + "\",\"lora_path\":\""
              + r[1]
              + "\",\"digest\":\"sha256:"
              + r[2]
              + "\"}");
    }
  }

  /**
   * Every adapter unregistered (and so unloaded from every tier) and registered again: the pod
   * starts the next run cold but warm-JITed. Checked through the pod's own state.
   */
  void reset(URI pod) throws Exception {
    for (String[] r : registrations) {
      admin(pod, "/v1/unregister_lora_adapter", "{\"lora_name\":\"" + r[0] + "\"}");
    }
    PodState empty = state(pod);
    if (!empty.adapters().isEmpty() || !empty.registered().isEmpty()) {
      throw new IllegalStateException(pod + " still holds adapters after unregistering: " + empty);
    }
    registerAll(pod);
    PodState cold = state(pod);
    if (!cold.adapters().isEmpty() || cold.registered().size() != registrations.size()) {
      throw new IllegalStateException(pod + " is not cold after the reset: " + cold);
    }
  }

  static PodState state(URI pod) throws Exception {
    return JSON.readValue(get(pod.resolve("/v1/pod/state")), PodState.class);
  }

  static String get(URI uri) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + uri + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /**
   * Whether the router's view ({@code GET /v1/router/pods}) shows every pod routable with all
   * {@code adapters} registered and every one of them cold: after a reset, the next run must not
   * start on a stale view.
   */
  static boolean routerSeesColdPool(URI router, int pods, int adapters) throws Exception {
    JsonNode view = JSON.readTree(get(router.resolve("/v1/router/pods")));
    int cold = 0;
    for (JsonNode p : view.path("data")) {
      JsonNode tiers = p.path("adapters");
      boolean allCold = tiers.size() == adapters;
      for (JsonNode t : tiers) {
        allCold &= "cold".equals(t.asText());
      }
      if (p.path("routable").asBoolean() && allCold) {
        cold++;
      }
    }
    return cold == pods;
  }

  private static void admin(URI pod, String path, String body) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(pod.resolve(path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + " on " + pod + ": " + r.statusCode() + " " + r.body());
    }
  }
}
