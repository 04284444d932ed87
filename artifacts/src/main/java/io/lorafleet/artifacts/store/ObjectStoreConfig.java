package io.lorafleet.artifacts.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach an S3-compatible store. {@code endpoint} decides TLS ({@code https://}); {@code
 * caBundle} adds a PEM CA for private endpoints. {@link #toString()} redacts the secret.
 */
public record ObjectStoreConfig(
    URI endpoint,
    String region,
    boolean pathStyle,
    S3Credentials credentials,
    boolean createBucket,
    long multipartThreshold,
    long partSize,
    RetryPolicy retry,
    Optional<Path> caBundle) {

  public static final long MIN_PART_SIZE = 5L << 20; // S3's minimum multipart part size

  /**
   * @throws InvalidObjectStoreConfigException when the endpoint is not http:// or https://, or the
   *     part size is below S3's minimum
   */
  public ObjectStoreConfig {
    String scheme = endpoint.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new InvalidObjectStoreConfigException(
          "endpoint must be http:// or https://, got " + endpoint);
    }
    if (partSize < MIN_PART_SIZE) {
      throw new InvalidObjectStoreConfigException("partSize must be at least 5 MiB");
    }
  }

  /** Path-style, bucket creation allowed, multipart above 64 MiB in 16 MiB parts. */
  public static ObjectStoreConfig of(URI endpoint, S3Credentials credentials) {
    return new ObjectStoreConfig(
        endpoint,
        "us-east-1",
        true,
        credentials,
        true,
        64L << 20,
        16L << 20,
        RetryPolicy.defaults(),
        Optional.empty());
  }

  /**
   * From the environment: {@code LORAFLEET_S3_ENDPOINT} (required), {@code AWS_REGION}, {@code
   * LORAFLEET_S3_PATH_STYLE} (default true), {@code LORAFLEET_S3_CREATE_BUCKET} (default false),
   * {@code LORAFLEET_S3_CA_BUNDLE}, and credentials from {@code LORAFLEET_S3_CREDENTIALS_DIR} (a
   * mounted Secret) or else {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}.
   */
  public static ObjectStoreConfig fromEnvironment(Map<String, String> env) throws IOException {
    String endpoint = env.get("LORAFLEET_S3_ENDPOINT");
    if (endpoint == null || endpoint.isBlank()) {
      throw new InvalidObjectStoreConfigException("LORAFLEET_S3_ENDPOINT is not set");
    }
    String dir = env.get("LORAFLEET_S3_CREDENTIALS_DIR");
    S3Credentials creds =
        dir != null && !dir.isBlank()
            ? S3Credentials.fromSecretDirectory(Path.of(dir))
            : S3Credentials.fromEnvironment(env)
                .orElseThrow(
                    () ->
                        new InvalidObjectStoreConfigException(
                            "no S3 credentials: set LORAFLEET_S3_CREDENTIALS_DIR or "
                                + S3Credentials.ACCESS_KEY_ENV
                                + "/"
                                + S3Credentials.SECRET_KEY_ENV));
    ObjectStoreConfig base = of(URI.create(endpoint), creds);
    return new ObjectStoreConfig(
        base.endpoint(),
        env.getOrDefault("AWS_REGION", base.region()),
        Boolean.parseBoolean(env.getOrDefault("LORAFLEET_S3_PATH_STYLE", "true")),
        creds,
        Boolean.parseBoolean(env.getOrDefault("LORAFLEET_S3_CREATE_BUCKET", "false")),
        base.multipartThreshold(),
        base.partSize(),
        base.retry(),
        Optional.ofNullable(env.get("LORAFLEET_S3_CA_BUNDLE")).map(Path::of));
  }

  public ObjectStoreConfig withRetry(RetryPolicy policy) {
    return new ObjectStoreConfig(
        endpoint,
        region,
        pathStyle,
        credentials,
        createBucket,
        multipartThreshold,
        partSize,
        policy,
        caBundle);
  }
}
