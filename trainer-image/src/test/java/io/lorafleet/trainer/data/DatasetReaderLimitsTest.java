package io.lorafleet.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import io.lorafleet.trainer.TrainerFailure;
import io.lorafleet.trainer.storage.Place;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile dataset files get a specific bad-input error ({@code InvalidDataset}, permanent) with the
 * file and line, and the reader's memory stays bounded: a line longer than the line limit, a file
 * or dataset larger than the dataset limit (refused from its size before reading, or while reading
 * when the store's stream does not end), a NUL byte, invalid UTF-8. Huge numbers make a line
 * invalid, not the run.
 */
class DatasetReaderLimitsTest {
  static final int MAX_LINE = 1024;
  static final long MAX_DATASET = 64 * 1024;
  static final String GOOD = "{\"prompt\": \"a\", \"completion\": \"b\"}\n";

  @TempDir static Path dir;
  static HfTokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("m"));
    tokenizer = HfTokenizer.load(model);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void aLineLongerThanTheLimitIsABadInputNamingTheLine() {
    String text =
        GOOD + "{\"prompt\": \"" + "x".repeat(5 * MAX_LINE) + "\", \"completion\": \"b\"}\n";
    assertBadInput(
        read(file(text.getBytes(StandardCharsets.UTF_8))), "a.jsonl line 2", "1024 bytes");
  }

  @Test
  void aDatasetThatNeverEndsStopsAtTheSizeLimit() {
    Supplier<InputStream> endless = () -> new EndlessLines(GOOD.getBytes(StandardCharsets.UTF_8));
    // The store says 10 bytes (a stream that does not end lies about its size): the reader
    // counts what it reads.
    TrainerFailure f =
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> read(store(endless, 10)));
    assertBadInput(f, "larger than " + MAX_DATASET + " bytes");
  }

  @Test
  void aFileLargerThanTheLimitIsRefusedFromItsSizeWithoutReading() {
    Supplier<InputStream> unread =
        () -> {
          throw new AssertionError("a dataset over the limit must not be read");
        };
    assertBadInput(read(store(unread, 10L << 30)), "10737418240 bytes", "limit " + MAX_DATASET);
  }

  @Test
  void aNulByteIsABadInputNotAnInvalidLine() {
    byte[] text =
        (GOOD + GOOD + "{\"prompt\": \"a\u0000\", \"completion\": \"b\"}\n" + GOOD)
            .getBytes(StandardCharsets.UTF_8);
    assertBadInput(read(file(text)), "a.jsonl line 3", "NUL");
  }

  @Test
  void invalidUtf8NamesItsLine() {
    byte[] good = (GOOD + GOOD).getBytes(StandardCharsets.UTF_8);
    byte[] text = new byte[good.length + 4];
    System.arraycopy(good, 0, text, 0, good.length);
    text[good.length] = '"';
    text[good.length + 1] = (byte) 0xC3;
    text[good.length + 2] = (byte) 0x28;
    text[good.length + 3] = '\n';
    assertBadInput(read(file(text)), "a.jsonl line 3", "UTF-8");
  }

  @Test
  void hugeNumbersMakeTheLineInvalidNotTheRun() throws Exception {
    String text =
        GOOD
            + "{\"prompt\": \"a\", \"completion\": \"b\", \"n\": 1"
            + "0".repeat(900)
            + "}\n"
            + "{\"prompt\": \"a\", \"completion\": \"b\", \"n\": 1e999999999}\n"
            + "{\"prompt\": 123456789012345678901234567890, \"completion\": \"b\"}\n";
    LoadedDataset d = reader().read(place(file(text.getBytes(StandardCharsets.UTF_8))));
    assertThat(d.records()).isEqualTo(4);
    assertThat(d.invalid()).hasSize(1);
    assertThat(d.invalid().getFirst().problem()).contains("\"prompt\" is not a string");
  }

  private static void assertBadInput(TrainerFailure f, String... parts) {
    assertThat(f.reason()).isEqualTo(LoadedDataset.INVALID);
    assertThat(f.permanent()).isTrue();
    assertThat(f.getMessage()).contains(parts);
  }

  private static TrainerFailure read(ObjectStore store) {
    try {
      reader().read(place(store));
    } catch (TrainerFailure f) {
      return f;
    } catch (Exception e) {
      throw new AssertionError("expected a TrainerFailure", e);
    }
    throw new AssertionError("expected a TrainerFailure, the dataset was read");
  }

  private static DatasetReader reader() {
    try {
      return new DatasetReader(
          new RecordParser(DatasetFormat.PROMPT_COMPLETION),
          new SequenceEncoder(tokenizer, null, EosToken.of(dir.resolve("m"), tokenizer), 64),
          new DatasetReader.Limits(MAX_LINE, MAX_DATASET));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Place place(ObjectStore store) {
    return new Place(store, S3Uri.parse("s3://data/a.jsonl"), "s3://data/a.jsonl");
  }

  private static ObjectStore file(byte[] bytes) {
    return store(() -> new ByteArrayInputStream(bytes), bytes.length);
  }

  /** One object, s3://data/a.jsonl, of the given (claimed) size. */
  private static ObjectStore store(Supplier<InputStream> content, long size) {
    return new ObjectStore() {
      @Override
      public InputStream get(String bucket, String key) {
        return content.get();
      }

      @Override
      public Optional<ObjectInfo> stat(String bucket, String key) {
        return key.equals("a.jsonl")
            ? Optional.of(new ObjectInfo(key, size, Instant.EPOCH))
            : Optional.empty();
      }

      @Override
      public List<ObjectInfo> list(String bucket, String prefix) {
        return List.of(new ObjectInfo("a.jsonl", size, Instant.EPOCH));
      }

      @Override
      public void ensureBucket(String bucket) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void put(String bucket, String key, Path file) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void putBytes(String bucket, String key, byte[] data) {
        throw new UnsupportedOperationException();
      }

      @Override
      public byte[] getBytes(String bucket, String key) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void copy(String bucket, String sourceKey, String targetKey) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void delete(String bucket, List<String> keys) {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<PendingUpload> incompleteUploads(String bucket, String prefix) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void abortUpload(String bucket, String key, String uploadId) {
        throw new UnsupportedOperationException();
      }
    };
  }

  /** The same line again and again, without end. */
  static final class EndlessLines extends InputStream {
    private final byte[] line;
    private int at;

    EndlessLines(byte[] line) {
      this.line = line;
    }

    @Override
    public int read() {
      int b = line[at];
      at = (at + 1) % line.length;
      return b;
    }
  }
}
