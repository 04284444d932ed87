package io.lorafleet.server.config;

import io.lorafleet.artifacts.store.ObjectStoreConfig;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.Config;

/**
 * The object-store settings of the pod's own environment ({@code LORAFLEET_S3_ENDPOINT} or {@code
 * AWS_ENDPOINT_URL}, {@code AWS_ACCESS_KEY_ID}, ...), read through MicroProfile Config so that
 * tests can supply them as properties. Values are passed on, never logged.
 */
public final class StoreEnvironment {
  static final List<String> KEYS =
      List.of(
          "LORAFLEET_S3_ENDPOINT",
          "AWS_ENDPOINT_URL",
          "AWS_REGION",
          "LORAFLEET_S3_PATH_STYLE",
          "LORAFLEET_S3_CREATE_BUCKET",
          "LORAFLEET_S3_CA_BUNDLE",
          "LORAFLEET_S3_CREDENTIALS_DIR",
          "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY");

  private StoreEnvironment() {}

  public static ObjectStoreConfig from(Config config) throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String key : KEYS) {
      config.getOptionalValue(key, String.class).ifPresent(v -> env.put(key, v));
    }
    // The operator's credential Secrets name the endpoint AWS_ENDPOINT_URL.
    if (!env.containsKey("LORAFLEET_S3_ENDPOINT") && env.containsKey("AWS_ENDPOINT_URL")) {
      env.put("LORAFLEET_S3_ENDPOINT", env.get("AWS_ENDPOINT_URL"));
    }
    return ObjectStoreConfig.fromEnvironment(env);
  }
}
