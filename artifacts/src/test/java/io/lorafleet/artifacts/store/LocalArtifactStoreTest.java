package io.lorafleet.artifacts.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.ShardedSafetensors;
import io.lorafleet.artifacts.safetensors.Tensor;
import io.lorafleet.artifacts.store.local.LocalObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The artifact layout against the embedded S3Proxy, through the real MinIO client. */
class LocalArtifactStoreTest {
  static LocalObjectStore local;
  static S3ObjectStore client;
  static ArtifactStore artifacts;
  static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20));

  @TempDir static Path data;
  @TempDir Path work;

  @BeforeAll
  static void start() throws Exception {
    local = LocalObjectStore.start(data.resolve("s3"));
    client = local.client();
    artifacts = new ArtifactStore(client, FAST);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    local.close();
  }

  /** An HF-style model directory: config.json and two random safetensors shards with an index. */
  static Path model(Path dir, int shardMiB) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), "{\"architectures\":[\"LlamaForCausalLM\"]}");
    Random rnd = new Random(42);
    StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
    for (int s = 1; s <= 2; s++) {
      byte[] bytes = new byte[shardMiB << 20];
      rnd.nextBytes(bytes);
      String shard = "model-0000" + s + "-of-00002.safetensors";
      SafetensorsWriter.write(
          dir.resolve(shard),
          List.of(Tensor.ofBytes("w" + s, DType.U8, List.of((long) bytes.length), bytes)),
          Map.of("format", "pt"));
      index
          .append(s > 1 ? "," : "")
          .append("\"w")
          .append(s)
          .append("\":\"")
          .append(shard)
          .append('"');
    }
    Files.writeString(dir.resolve(ShardedSafetensors.INDEX_FILE), index.append("}}").toString());
    return dir;
  }

  @Test
  void twoHundredMegabyteModelRoundTripsWithVerifiedDigests() throws IOException {
    Path src = model(work.resolve("src"), 100);
    S3Uri dest = S3Uri.parse("s3://models/team-a/models/tiny");
    long bytes = ArtifactStore.manifestOf(src, Map.of()).totalSize();
    assertThat(bytes).isGreaterThan(200L << 20);

    long t0 = System.nanoTime();
    PublishedVersion v = artifacts.push(src, dest, Map.of("source", "test"));
    long t1 = System.nanoTime();
    Path dst = work.resolve("dst");
    PublishedVersion pulled = artifacts.pull(dest, dst); // no digest: resolves the latest
    long t2 = System.nanoTime();
    System.out.printf(
        "200 MB round trip: %d bytes, upload %.1f MB/s, download %.1f MB/s%n",
        bytes, bytes / 1e6 / ((t1 - t0) / 1e9), bytes / 1e6 / ((t2 - t1) / 1e9));

    assertThat(pulled.digest()).isEqualTo(v.digest());
    assertThat(v.uri().toString()).endsWith("/team-a/models/tiny/sha256-" + v.digest() + "/");
    for (Manifest.Entry e : v.manifest().files()) {
      assertThat(Sha256.hex(dst.resolve(e.path()))).as(e.path()).isEqualTo(e.sha256());
    }
    assertThat(Sha256.hex(dst.resolve(ArtifactStore.MANIFEST))).isEqualTo(v.digest());
    try (ShardedSafetensors s = ShardedSafetensors.open(dst)) {
      assertThat(s.names()).containsExactly("w1", "w2");
    }
    assertThat(client.list("models", dest.prefix() + ArtifactStore.UPLOADS))
        .as("temporary upload removed")
        .isEmpty();
    assertThat(artifacts.list(dest)).extracting(VersionInfo::digest).containsExactly(v.digest());
    assertThat(artifacts.push(src, dest, Map.of("source", "test")).digest())
        .as("same content, same digest")
        .isEqualTo(v.digest());
  }

  @Test
  void uploadKilledMidwayLeavesNoVisibleVersionAndIsCleanedUp() throws IOException {
    Path src = model(work.resolve("src"), 6);
    S3Uri dest = S3Uri.parse("s3://models/team-a/adapters/killed");
    ArtifactStore dying = new ArtifactStore(new FailingObjectStore(client, 2, false), FAST);
    assertThatThrownBy(() -> dying.push(src, dest, Map.of()))
        .isInstanceOf(FailingObjectStore.Killed.class);
    ArtifactStore dyingBeforePublish =
        new ArtifactStore(new FailingObjectStore(client, 100, true), FAST);
    assertThatThrownBy(() -> dyingBeforePublish.push(src, dest, Map.of()))
        .isInstanceOf(FailingObjectStore.Killed.class);

    assertThat(artifacts.list(dest)).isEmpty();
    assertThatThrownBy(() -> artifacts.pull(dest, work.resolve("out")))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("no published version under s3://models/team-a/adapters/killed")
        .satisfies(
            e ->
                assertThat(((ObjectStoreException) e).kind())
                    .isEqualTo(ObjectStoreException.Kind.NOT_FOUND));
    List<ObjectInfo> leftovers = client.list("models", dest.prefix());
    assertThat(leftovers).isNotEmpty();

    assertThat(artifacts.cleanupAbandoned(dest, Duration.ofHours(1), Instant.now()))
        .as("recent uploads may still be in flight")
        .isZero();
    int removed =
        artifacts.cleanupAbandoned(dest, Duration.ofMinutes(5), Instant.now().plusSeconds(3600));
    assertThat(removed).isEqualTo(leftovers.size());
    assertThat(client.list("models", dest.prefix())).isEmpty();

    PublishedVersion ok = artifacts.push(src, dest, Map.of());
    assertThat(artifacts.cleanupAbandoned(dest, Duration.ZERO, Instant.now().plusSeconds(3600)))
        .as("published versions are never cleaned up")
        .isZero();
    assertThat(artifacts.list(dest)).extracting(VersionInfo::digest).containsExactly(ok.digest());
  }

  @Test
  void corruptedObjectFailsTheDownloadWithDigestMismatch() throws IOException {
    Path src = model(work.resolve("src"), 1);
    PublishedVersion v =
        artifacts.push(src, S3Uri.parse("s3://models/team-a/adapters/bad"), Map.of());
    client.putBytes("models", v.uri().prefix() + "config.json", "{\"tampered\":1}".getBytes());

    Path out = work.resolve("out");
    assertThatThrownBy(() -> artifacts.pull(v.uri(), out))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("file 'config.json'")
        .hasMessageContaining("manifest says");
    assertThat(out.resolve("config.json")).doesNotExist();
    assertThat(out.resolve(".config.json.part")).doesNotExist();

    client.putBytes("models", v.uri().prefix() + ArtifactStore.MANIFEST, "{}".getBytes());
    assertThatThrownBy(() -> artifacts.pull(v.uri(), out))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("manifest of");
  }

  @Test
  void deleteRemovesTheVersionAtomically() throws IOException {
    Path src = model(work.resolve("src"), 1);
    S3Uri dest = S3Uri.parse("s3://models/team-a/adapters/del");
    PublishedVersion v = artifacts.push(src, dest, Map.of());
    artifacts.delete(v.uri());
    assertThat(artifacts.list(dest)).isEmpty();
    assertThat(client.list("models", v.uri().prefix())).isEmpty();
  }

  @Test
  void wrongCredentialsAreAccessDeniedAndMissingBucketsAreNotCreatedWhenForbidden() {
    ObjectStoreConfig good = local.config();
    ObjectStoreConfig wrong =
        new ObjectStoreConfig(
            good.endpoint(),
            good.region(),
            true,
            new S3Credentials(good.credentials().accessKey(), "not-the-secret"),
            false,
            good.multipartThreshold(),
            good.partSize(),
            FAST,
            good.caBundle());
    try (S3ObjectStore bad = new S3ObjectStore(wrong)) {
      assertThatThrownBy(() -> bad.list("models", ""))
          .isInstanceOf(ObjectStoreException.class)
          .satisfies(
              e ->
                  assertThat(((ObjectStoreException) e).kind())
                      .isEqualTo(ObjectStoreException.Kind.ACCESS_DENIED));
    }
    try (S3ObjectStore noCreate =
        new S3ObjectStore(
            new ObjectStoreConfig(
                good.endpoint(),
                good.region(),
                true,
                good.credentials(),
                false,
                good.multipartThreshold(),
                good.partSize(),
                FAST,
                good.caBundle()))) {
      assertThatThrownBy(() -> noCreate.ensureBucket("no-such-bucket"))
          .hasMessageContaining("bucket no-such-bucket does not exist and creation is not allowed");
    }
  }
}
