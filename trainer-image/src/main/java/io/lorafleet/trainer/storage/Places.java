package io.lorafleet.trainer.storage;

import io.lorafleet.artifacts.store.InvalidObjectStoreConfigException;
import io.lorafleet.artifacts.store.InvalidS3UriException;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreConfig;
import io.lorafleet.artifacts.store.S3Credentials;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.trainer.TrainerFailure;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Opens {@link Place}s: an {@code s3://} URI with the credentials directory the operator mounted (a
 * Secret's files AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_ENDPOINT_URL and
 * AWS_REGION), or a local path. One client per credentials directory. Credential values go into the
 * client only; messages name the directory, never its contents.
 */
public final class Places implements AutoCloseable {
  public static final String ENDPOINT_FILE = "AWS_ENDPOINT_URL";
  public static final String REGION_FILE = "AWS_REGION";
  static final String INVALID_CONFIG = "InvalidConfig";

  private final Map<String, String> env;
  private final Map<String, S3ObjectStore> clients = new HashMap<>();
  private final FileObjectStore files = new FileObjectStore(Path.of("/"));

  public Places(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** {@code what} names the config field, for messages ("dataset.uri"). */
  public Place open(String uriOrPath, String credentialsDir, String what) throws TrainerFailure {
    if (S3Uri.isS3(uriOrPath)) {
      S3Uri uri;
      try {
        uri = S3Uri.parse(uriOrPath);
      } catch (InvalidS3UriException e) {
        throw TrainerFailure.badInput(INVALID_CONFIG, what + ": " + e.getMessage());
      }
      return new Place(client(credentialsDir, what), uri, uriOrPath);
    }
    if (uriOrPath.contains("://")) {
      throw TrainerFailure.badInput(
          INVALID_CONFIG, what + ": only s3:// URIs and local paths are supported: " + uriOrPath);
    }
    Path p = Path.of(uriOrPath).toAbsolutePath().normalize();
    String key = files.root().relativize(p).toString().replace('\\', '/');
    return new Place(files, new S3Uri(FileObjectStore.BUCKET, key), p.toString());
  }

  /** Whether this place is on the local file system, and where. */
  public Optional<Path> localPath(Place place) {
    return place.store() == files
        ? Optional.of(files.root().resolve(place.uri().prefix()))
        : Optional.empty();
  }

  private synchronized ObjectStore client(String credentialsDir, String what)
      throws TrainerFailure {
    String key = credentialsDir == null ? "" : credentialsDir;
    S3ObjectStore c = clients.get(key);
    if (c == null) {
      c = new S3ObjectStore(config(credentialsDir, what));
      clients.put(key, c);
    }
    return c;
  }

  /**
   * The client config of a credentials directory. Without one, the environment's {@code
   * LORAFLEET_S3_*}/{@code AWS_*} variables (as the CLI reads them). The endpoint is the
   * directory's AWS_ENDPOINT_URL, else {@code $AWS_ENDPOINT_URL}, else {@code
   * $LORAFLEET_S3_ENDPOINT}, else AWS S3 of the region.
   */
  ObjectStoreConfig config(String credentialsDir, String what) throws TrainerFailure {
    S3Credentials creds;
    Optional<String> endpoint;
    Optional<String> region;
    try {
      if (credentialsDir != null && !credentialsDir.isBlank()) {
        Path dir = Path.of(credentialsDir);
        creds = S3Credentials.fromSecretDirectory(dir);
        endpoint = file(dir, ENDPOINT_FILE);
        region = file(dir, REGION_FILE);
      } else {
        creds =
            S3Credentials.fromEnvironment(env)
                .orElseThrow(
                    () ->
                        new IOException(
                            "no credentialsDir for "
                                + what
                                + " and no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the"
                                + " environment"));
        endpoint = Optional.empty();
        region = Optional.empty();
      }
    } catch (IOException | InvalidObjectStoreConfigException e) {
      throw TrainerFailure.badInput("ObjectStoreNotConfigured", what + ": " + e.getMessage());
    }
    String r = region.or(() -> Optional.ofNullable(env.get(REGION_FILE))).orElse("us-east-1");
    String ep =
        endpoint
            .or(() -> Optional.ofNullable(env.get(ENDPOINT_FILE)))
            .or(() -> Optional.ofNullable(env.get("LORAFLEET_S3_ENDPOINT")))
            .orElse("https://s3." + r + ".amazonaws.com");
    try {
      ObjectStoreConfig d = ObjectStoreConfig.of(URI.create(ep.strip()), creds);
      return new ObjectStoreConfig(
          d.endpoint(),
          r,
          d.pathStyle(),
          creds,
          false,
          d.multipartThreshold(),
          d.partSize(),
          d.retry(),
          Optional.empty());
    } catch (IllegalArgumentException e) {
      // URI.create's contract for a malformed endpoint; ObjectStoreConfig's own refusals are its
      // subtype InvalidObjectStoreConfigException.
      throw TrainerFailure.badInput(
          INVALID_CONFIG,
          what + ": endpoint of " + credentialsDir + " is not usable: " + e.getMessage());
    }
  }

  private static Optional<String> file(Path dir, String name) throws IOException {
    Path p = dir.resolve(name);
    if (!Files.isRegularFile(p)) {
      return Optional.empty();
    }
    String v = Files.readString(p).strip();
    return v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  @Override
  public void close() {
    clients.values().forEach(S3ObjectStore::close);
  }
}
