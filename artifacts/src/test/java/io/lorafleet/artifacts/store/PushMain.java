package io.lorafleet.artifacts.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** Child process for {@link KilledUploadTest}: pushes a directory and is killed while doing so. */
public final class PushMain {
  private PushMain() {}

  public static void main(String[] args) throws Exception {
    S3Credentials creds =
        S3Credentials.fromEnvironment(System.getenv()).orElseThrow(IllegalStateException::new);
    try (S3ObjectStore client =
        new S3ObjectStore(ObjectStoreConfig.of(URI.create(args[0]), creds))) {
      new ArtifactStore(client, RetryPolicy.defaults())
          .push(Path.of(args[1]), S3Uri.parse(args[2]), Map.of());
    }
  }
}
