package io.lorafleet.server.testing;

import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.local.LocalObjectStore;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Embedded S3 (S3Proxy) with a small random Llama model published to it; the server loads the model
 * from there by digest with the credentials given as its environment, like a pod.
 */
public class ServerTestResource implements QuarkusTestResourceLifecycleManager {
  public static final String TOKEN = "test-admin-token-0123456789";
  private LocalObjectStore store;
  private Map<String, String> overrides = Map.of();

  /**
   * Init args are configuration properties that override the defaults below; {@code
   * lorafleet.test.inference-token} writes that token to a file and turns inference auth on.
   */
  @Override
  public void init(Map<String, String> initArgs) {
    overrides = Map.copyOf(initArgs);
  }

  @Override
  public Map<String, String> start() {
    try {
      Path root = Files.createTempDirectory(Path.of("target"), "server-test").toAbsolutePath();
      store = LocalObjectStore.start(root.resolve("s3"));
      store.client().ensureBucket("lorafleet");
      Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), root.resolve("model"));
      PublishedVersion v =
          new ArtifactStore(store.client(), RetryPolicy.defaults())
              .push(model, S3Uri.parse("s3://lorafleet/test/models/tiny-llama"), Map.of());
      Path token = root.resolve("admin-token");
      Files.writeString(token, TOKEN + "\n");
      Map<String, String> props = new HashMap<>();
      props.put("lorafleet.server.model", v.uri().toString());
      props.put("lorafleet.server.admin-token-file", token.toString());
      props.put("lorafleet.server.cache-dir", root.resolve("cache").toString());
      props.put("lorafleet.server.adapter-roots", root.toString()); // tests load local dirs here
      // publishAdapter() publishes here; other object-store paths are refused.
      props.put("lorafleet.server.adapter-s3-roots", "s3://lorafleet/test/adapters");
      props.put("lorafleet.server.max-rank", "16");
      props.put("lorafleet.server.max-loaded", "16");
      props.put("lorafleet.server.threads", "2");
      props.put("LORAFLEET_S3_ENDPOINT", store.endpoint().toString());
      props.put("AWS_ACCESS_KEY_ID", store.credentials().accessKey());
      props.put("AWS_SECRET_ACCESS_KEY", store.credentials().secretKey());
      props.put("lorafleet.test.root", root.toString());
      props.put("lorafleet.test.model-dir", model.toString());
      props.putAll(overrides);
      String inferenceToken = overrides.get("lorafleet.test.inference-token");
      if (inferenceToken != null) {
        Path file = root.resolve("inference-token");
        Files.writeString(file, inferenceToken + "\n");
        props.put("lorafleet.server.inference-token-file", file.toString());
      }
      return props;
    } catch (Exception e) {
      throw new IllegalStateException("test fixture failed", e);
    }
  }

  @Override
  public void stop() {
    if (store != null) {
      store.close();
    }
  }
}
