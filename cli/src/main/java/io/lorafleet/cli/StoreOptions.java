package io.lorafleet.cli;

import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectStoreConfig;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.local.LocalObjectStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Object-store options shared by the commands. Values not given here come from the environment
 * ({@code LORAFLEET_S3_*}, {@code AWS_*}); credentials are never accepted on the command line,
 * where they would end up in shell history and process listings.
 */
final class StoreOptions {
  @Option(names = "--endpoint", description = "S3 endpoint URL (default: $LORAFLEET_S3_ENDPOINT)")
  URI endpoint;

  @Option(names = "--region", description = "S3 region (default: $AWS_REGION or us-east-1)")
  String region;

  @Option(
      names = "--credentials-dir",
      description =
          "directory with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY files (a mounted Secret);"
              + " default: $LORAFLEET_S3_CREDENTIALS_DIR, else the AWS_* environment variables")
  Path credentialsDir;

  @Option(names = "--virtual-host-style", description = "use virtual-host style bucket URLs")
  boolean virtualHostStyle;

  @Option(names = "--create-bucket", description = "create the bucket when it is missing")
  boolean createBucket;

  @Option(
      names = "--local",
      paramLabel = "DATA_DIR",
      description = "use the embedded object store (S3Proxy) with its data under DATA_DIR")
  Path local;

  /** An open store; closing it stops the embedded server when one was started. */
  record Opened(ArtifactStore artifacts, S3ObjectStore client, LocalObjectStore local)
      implements AutoCloseable {
    @Override
    public void close() {
      client.close();
      if (local != null) {
        local.close();
      }
    }
  }

  Opened open(Map<String, String> env) throws Exception {
    if (local != null) {
      LocalObjectStore store = LocalObjectStore.start(local);
      S3ObjectStore client = store.client();
      return new Opened(new ArtifactStore(client, store.config().retry()), client, store);
    }
    Map<String, String> merged = new HashMap<>(env);
    if (endpoint != null) {
      merged.put("LORAFLEET_S3_ENDPOINT", endpoint.toString());
    }
    if (region != null) {
      merged.put("AWS_REGION", region);
    }
    if (credentialsDir != null) {
      merged.put("LORAFLEET_S3_CREDENTIALS_DIR", credentialsDir.toString());
    }
    if (virtualHostStyle) {
      merged.put("LORAFLEET_S3_PATH_STYLE", "false");
    }
    if (createBucket) {
      merged.put("LORAFLEET_S3_CREATE_BUCKET", "true");
    }
    ObjectStoreConfig config;
    try {
      config = ObjectStoreConfig.fromEnvironment(merged);
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    S3ObjectStore client = new S3ObjectStore(config);
    return new Opened(new ArtifactStore(client, config.retry()), client, null);
  }
}
