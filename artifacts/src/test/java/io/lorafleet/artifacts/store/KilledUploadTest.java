package io.lorafleet.artifacts.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.store.local.LocalObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real push in a child JVM, killed with SIGKILL while it uploads a 200 MB model. */
class KilledUploadTest {
  @TempDir Path dir;

  @Test
  void killedProcessLeavesNoVisibleVersion() throws Exception {
    Path src = LocalArtifactStoreTest.model(dir.resolve("src"), 100);
    S3Uri dest = S3Uri.parse("s3://killed/team/models/big");
    try (LocalObjectStore local = LocalObjectStore.start(dir.resolve("s3"));
        S3ObjectStore client = local.client()) {
      client.ensureBucket("killed");
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              System.getProperty("java.class.path"),
              PushMain.class.getName(),
              local.endpoint().toString(),
              src.toString(),
              dest.toString());
      pb.environment().put(S3Credentials.ACCESS_KEY_ENV, local.credentials().accessKey());
      pb.environment().put(S3Credentials.SECRET_KEY_ENV, local.credentials().secretKey());
      pb.redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
      Process child = pb.start();

      // Kill once config.json has landed under .uploads/ and a shard's multipart upload began.
      String uploads = dest.prefix() + ArtifactStore.UPLOADS;
      Instant deadline = Instant.now().plusSeconds(60);
      while ((client.list("killed", uploads).isEmpty()
              || client.incompleteUploads("killed", uploads).isEmpty())
          && Instant.now().isBefore(deadline)) {
        assertThat(child.isAlive()).as("child finished before it could be killed").isTrue();
        Thread.sleep(5);
      }
      child.destroyForcibly().waitFor();
      List<ObjectInfo> leftovers = client.list("killed", dest.prefix());
      assertThat(leftovers).isNotEmpty().allMatch(o -> o.key().startsWith(uploads));

      List<ObjectStore.PendingUpload> pending = client.incompleteUploads("killed", uploads);
      assertThat(pending).as("killed inside a multipart upload of a 100 MiB shard").isNotEmpty();

      ArtifactStore store = new ArtifactStore(client, RetryPolicy.defaults());
      assertThat(store.list(dest)).isEmpty();
      assertThatThrownBy(() -> store.pull(dest, dir.resolve("out")))
          .isInstanceOf(ObjectStoreException.class)
          .hasMessageContaining("no published version");
      assertThat(store.cleanupAbandoned(dest, Duration.ZERO, Instant.now().plusSeconds(1)))
          .isEqualTo(leftovers.size() + pending.size());
      assertThat(client.list("killed", dest.prefix())).isEmpty();
      assertThat(client.incompleteUploads("killed", dest.prefix())).isEmpty();
    }
  }
}
