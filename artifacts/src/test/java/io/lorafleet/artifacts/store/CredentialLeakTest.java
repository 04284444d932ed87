package io.lorafleet.artifacts.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.store.local.LocalObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs real operations (success, wrong secret, unreachable endpoint with retries) with every log
 * channel captured at full verbosity, then scans everything for the secret.
 */
class CredentialLeakTest {
  @TempDir Path dir;

  @Test
  void secretsNeverReachLogsOutputOrExceptionMessages() throws Exception {
    byte[] raw = new byte[16];
    new SecureRandom().nextBytes(raw);
    String secret = "SECRET" + HexFormat.of().formatHex(raw);
    String wrongSecret = "WRONG" + HexFormat.of().formatHex(raw);

    StringBuilder jul = new StringBuilder();
    Handler capture =
        new Handler() {
          final SimpleFormatter f = new SimpleFormatter();

          @Override
          public void publish(LogRecord r) {
            jul.append(f.format(r));
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    capture.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    Level oldLevel = root.getLevel();
    root.setLevel(Level.ALL);
    root.addHandler(capture);
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(console, true, StandardCharsets.UTF_8);
    System.setOut(tee);
    System.setErr(tee);
    RetryPolicy fast = new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(5));
    try (LocalObjectStore local =
        LocalObjectStore.start(dir.resolve("s3"), new S3Credentials("leak-test", secret))) {
      Path src = Files.createDirectories(dir.resolve("src"));
      Files.writeString(src.resolve("adapter_config.json"), "{}");
      try (S3ObjectStore ok = local.client()) {
        ArtifactStore store = new ArtifactStore(ok, fast);
        PublishedVersion v = store.push(src, S3Uri.parse("s3://leak/a"), Map.of());
        store.pull(v.uri(), dir.resolve("dst"));
      }
      ObjectStoreConfig good = local.config();
      ObjectStoreConfig wrong = withCredentials(good, good.endpoint(), wrongSecret, fast);
      try (S3ObjectStore bad = new S3ObjectStore(wrong)) {
        assertThatThrownBy(() -> bad.list("leak", ""))
            .satisfies(e -> e.printStackTrace())
            .isInstanceOf(ObjectStoreException.class);
      }
      ObjectStoreConfig down =
          withCredentials(good, URI.create("http://127.0.0.1:1"), secret, fast);
      try (S3ObjectStore unreachable = new S3ObjectStore(down)) {
        assertThatThrownBy(() -> unreachable.list("leak", ""))
            .satisfies(e -> e.printStackTrace())
            .satisfies(e -> assertThat(((ObjectStoreException) e).isTransient()).isTrue());
      }
      System.out.println(good);
      System.out.println(down.credentials());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      root.removeHandler(capture);
      root.setLevel(oldLevel);
    }

    String logFile = readLogbackFile();
    String everything = jul + "\n" + console.toString(StandardCharsets.UTF_8) + "\n" + logFile;
    assertThat(jul).as("our own logs were captured").contains("retrying", "published");
    assertThat(console.toString(StandardCharsets.UTF_8))
        .as("stack traces were captured")
        .contains("ObjectStoreException", "<redacted>");
    assertThat(logFile).as("S3Proxy debug logs were captured").isNotBlank();
    assertThat(everything).doesNotContain(secret).doesNotContain(wrongSecret);
  }

  private static ObjectStoreConfig withCredentials(
      ObjectStoreConfig c, URI endpoint, String secret, RetryPolicy retry) {
    return new ObjectStoreConfig(
        endpoint,
        c.region(),
        true,
        new S3Credentials(c.credentials().accessKey(), secret),
        false,
        c.multipartThreshold(),
        c.partSize(),
        retry,
        c.caBundle());
  }

  private static String readLogbackFile() throws IOException {
    Path log = Path.of("target/test-logs/artifacts.log");
    return Files.exists(log) ? Files.readString(log) : "";
  }
}
