package io.lorafleet.artifacts.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3ObjectStoreLimitsTest {
  @TempDir Path dir;

  @Test
  void singlePartUpToTheThresholdThenPartsOfTheConfiguredSize() {
    try (S3ObjectStore s =
        new S3ObjectStore(
            ObjectStoreConfig.of(URI.create("http://127.0.0.1:1"), new S3Credentials("a", "b")))) {
      assertThat(s.partSize(1_000)).isEqualTo(ObjectStoreConfig.MIN_PART_SIZE);
      assertThat(s.partSize(60L << 20)).as("one part").isEqualTo(60L << 20);
      assertThat(s.partSize(100L << 20)).as("multipart").isEqualTo(16L << 20);
      long oneTiB = 1L << 40;
      assertThat(oneTiB / s.partSize(oneTiB))
          .as("at most 10,000 parts")
          .isLessThanOrEqualTo(10_000);
    }
  }

  @Test
  void filesOverFiveGibibytesAreRefusedBeforeAnythingIsUploaded() throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("huge.bin").toFile(), "rw")) {
      f.setLength(ArtifactStore.MAX_FILE_BYTES + 1); // sparse
    }
    ArtifactStore store =
        new ArtifactStore(new FailingObjectStore(null, 0, true), RetryPolicy.defaults());
    assertThatThrownBy(() -> store.push(dir, S3Uri.parse("s3://bucket/p"), Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("huge.bin is 5368709121 bytes; files over 5 GiB cannot be published");
  }
}
