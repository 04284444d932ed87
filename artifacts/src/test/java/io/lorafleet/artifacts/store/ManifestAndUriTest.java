package io.lorafleet.artifacts.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestAndUriTest {
  @TempDir Path dir;
  static final String SHA = "a".repeat(64);

  @Test
  void manifestIsCanonicalSoEqualContentHasEqualDigest() {
    Manifest a =
        new Manifest(
            List.of(new Manifest.Entry("b.bin", 2, SHA), new Manifest.Entry("a.json", 1, SHA)),
            Map.of("z", "1", "dataset", "sha256-x"));
    Manifest b =
        new Manifest(
            List.of(new Manifest.Entry("a.json", 1, SHA), new Manifest.Entry("b.bin", 2, SHA)),
            Map.of("dataset", "sha256-x", "z", "1"));
    assertThat(a.toBytes()).isEqualTo(b.toBytes());
    assertThat(a.digest()).isEqualTo(b.digest()).matches("[0-9a-f]{64}");
    assertThat(Manifest.parse(a.toBytes())).isEqualTo(a);
    assertThat(new String(a.toBytes(), StandardCharsets.UTF_8))
        .startsWith("{\"files\":[{\"path\":\"a.json\"");
  }

  @Test
  void manifestPathsThatEscapeAreRefused() {
    for (String p :
        List.of("../x", "/etc/passwd", "a/../../b", "a//b", "a\\\\b", "manifest.json")) {
      String json =
          "{\"schemaVersion\":1,\"files\":[{\"path\":\""
              + p
              + "\",\"size\":1,\"sha256\":\""
              + SHA
              + "\"}]}";
      assertThatThrownBy(() -> Manifest.parse(json.getBytes(StandardCharsets.UTF_8)))
          .as(p)
          .isInstanceOf(ManifestException.class)
          .hasMessageContaining("is not a safe relative path");
    }
  }

  @Test
  void localManifestHashesEveryFileAndSkipsAnOldManifest() throws IOException {
    Files.writeString(dir.resolve("adapter_config.json"), "{}");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/x.txt"), "hello");
    Files.writeString(dir.resolve("manifest.json"), "stale");
    Manifest m = ArtifactStore.manifestOf(dir, Map.of());
    assertThat(m.files())
        .containsExactly(
            new Manifest.Entry("adapter_config.json", 2, Sha256.hex("{}".getBytes())),
            new Manifest.Entry("sub/x.txt", 5, Sha256.hex("hello".getBytes())));
  }

  @Test
  void s3Uris() {
    S3Uri u = S3Uri.parse("s3://models/ns/adapters/a1/");
    assertThat(u.bucket()).isEqualTo("models");
    assertThat(u.prefix()).isEqualTo("ns/adapters/a1/");
    assertThat(u.lastSegment()).isEqualTo("a1");
    assertThat(u.child("sha256-x/").lastSegment()).isEqualTo("sha256-x");
    assertThat(S3Uri.parse("s3://models").prefix()).isEmpty();
    assertThatThrownBy(() -> S3Uri.parse("s3://Bad_Bucket/x"))
        .isInstanceOf(InvalidS3UriException.class)
        .hasMessageContaining("invalid S3 bucket name");
  }

  @Test
  void credentialsFromASecretDirectoryAndTheEnvironmentNeverPrintTheSecret() throws IOException {
    Files.writeString(dir.resolve("AWS_ACCESS_KEY_ID"), "AKIAEXAMPLE\n");
    Files.writeString(dir.resolve("AWS_SECRET_ACCESS_KEY"), "very-secret-value\n");
    S3Credentials c = S3Credentials.fromSecretDirectory(dir);
    assertThat(c.secretKey()).isEqualTo("very-secret-value");
    assertThat(c.toString()).doesNotContain("very-secret-value").contains("<redacted>");

    ObjectStoreConfig cfg =
        ObjectStoreConfig.fromEnvironment(
            Map.of(
                "LORAFLEET_S3_ENDPOINT", "https://minio.example:9000",
                "LORAFLEET_S3_CREDENTIALS_DIR", dir.toString(),
                "AWS_REGION", "eu-west-1",
                "LORAFLEET_S3_PATH_STYLE", "false"));
    assertThat(cfg.region()).isEqualTo("eu-west-1");
    assertThat(cfg.pathStyle()).isFalse();
    assertThat(cfg.createBucket()).isFalse();
    assertThat(cfg.toString()).doesNotContain("very-secret-value");

    ObjectStoreConfig fromEnv =
        ObjectStoreConfig.fromEnvironment(
            Map.of(
                "LORAFLEET_S3_ENDPOINT", "http://127.0.0.1:9000",
                "AWS_ACCESS_KEY_ID", "a",
                "AWS_SECRET_ACCESS_KEY", "b"));
    assertThat(fromEnv.credentials().accessKey()).isEqualTo("a");
    assertThatThrownBy(
            () -> ObjectStoreConfig.fromEnvironment(Map.of("LORAFLEET_S3_ENDPOINT", "http://x")))
        .hasMessageContaining("no S3 credentials");
  }

  @Test
  void anUnusableObjectStoreConfigIsItsOwnTypedError() {
    S3Credentials creds = new S3Credentials("a", "b");
    assertThatThrownBy(() -> ObjectStoreConfig.of(URI.create("ftp://store.example"), creds))
        .isInstanceOf(InvalidObjectStoreConfigException.class)
        .hasMessageContaining("http:// or https://");
    ObjectStoreConfig ok = ObjectStoreConfig.of(URI.create("http://127.0.0.1:9000"), creds);
    assertThatThrownBy(
            () ->
                new ObjectStoreConfig(
                    ok.endpoint(),
                    ok.region(),
                    ok.pathStyle(),
                    creds,
                    false,
                    ok.multipartThreshold(),
                    1024,
                    ok.retry(),
                    ok.caBundle()))
        .isInstanceOf(InvalidObjectStoreConfigException.class)
        .hasMessageContaining("partSize");
  }
}
