package io.lorafleet.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectStoreConfig;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Credentials;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;

/** What tests need around a running server: HTTP helpers, adapters to publish, metrics. */
public final class Fixture {
  public static final ObjectMapper JSON = new ObjectMapper();
  public static final List<String> ALL_MODULES =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public final URI base;
  public final Path root;
  public final ModelConfig modelConfig;
  public final ArtifactStore store;
  public final S3ObjectStore objects;

  public Fixture(URI base) throws IOException {
    this.base = base;
    var config = ConfigProvider.getConfig();
    this.root = Path.of(config.getValue("lorafleet.test.root", String.class));
    this.modelConfig =
        ModelLoader.config(Path.of(config.getValue("lorafleet.test.model-dir", String.class)));
    this.objects =
        new S3ObjectStore(
            ObjectStoreConfig.of(
                URI.create(config.getValue("LORAFLEET_S3_ENDPOINT", String.class)),
                new S3Credentials(
                    config.getValue("AWS_ACCESS_KEY_ID", String.class),
                    config.getValue("AWS_SECRET_ACCESS_KEY", String.class))));
    this.store = new ArtifactStore(objects, RetryPolicy.defaults());
  }

  /** Waits until /health/ready is UP. */
  public void awaitReady() throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < end) {
      if (get("/health/ready").statusCode() == 200) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("server not ready: " + get("/health/ready").body());
  }

  /** A random adapter written to a fresh local directory. */
  public Path adapterDir(String name, int rank, long seed, List<String> targets)
      throws IOException {
    Path dir = Files.createDirectories(root.resolve("adapters").resolve(name + "-" + seed));
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(rank, 2.0 * rank, targets, seed), modelConfig, dir);
    return dir;
  }

  /** A random adapter published to the embedded S3; returns its version URI. */
  public String publishAdapter(String name, int rank, long seed) throws IOException {
    PublishedVersion v =
        store.push(
            adapterDir(name, rank, seed, ALL_MODULES),
            S3Uri.parse("s3://lorafleet/test/adapters/" + name),
            Map.of());
    return v.uri().toString();
  }

  public HttpResponse<String> load(String name, String path, boolean inplace) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("lora_name", name).put("lora_path", path);
    body.put("load_inplace", inplace);
    return post("/v1/load_lora_adapter", body, ServerTestResource.TOKEN);
  }

  public HttpResponse<String> unload(String name) throws Exception {
    return post(
        "/v1/unload_lora_adapter",
        JSON.createObjectNode().put("lora_name", name),
        ServerTestResource.TOKEN);
  }

  public JsonNode adapters() throws Exception {
    return adapters("");
  }

  /** GET /v1/adapters with a query string such as {@code "?name=x"}. */
  public JsonNode adapters(String query) throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(base.resolve("/v1/adapters" + query))
            .header("Authorization", "Bearer " + ServerTestResource.TOKEN)
            .GET()
            .build();
    return JSON.readTree(HTTP.send(r, HttpResponse.BodyHandlers.ofString()).body());
  }

  /** A greedy completion request body. */
  public static ObjectNode completion(String model, String prompt, int maxTokens) {
    return JSON.createObjectNode()
        .put("model", model)
        .put("prompt", prompt)
        .put("max_tokens", maxTokens)
        .put("temperature", 0);
  }

  public HttpResponse<String> post(String path, JsonNode body, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(base.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The sum of a Prometheus series' samples whose labels include every given label. */
  public double metric(String name, Map<String, String> labels) throws Exception {
    return Metrics.sum(get("/metrics").body(), name, labels);
  }
}
