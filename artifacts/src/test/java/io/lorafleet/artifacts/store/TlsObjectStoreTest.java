package io.lorafleet.artifacts.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** S3 over TLS with a private CA: trusted through caBundle, refused (not retried) without it. */
class TlsObjectStoreTest {
  @TempDir Path dir;

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  @Test
  void httpsWithAPrivateCa() throws Exception {
    Path ks = dir.resolve("server.p12");
    Path ca = dir.resolve("ca.pem");
    keytool(
        "-genkeypair",
        "-alias",
        "s3",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore",
        ks.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "s3",
        "-keystore",
        ks.toString(),
        "-storepass",
        "changeit",
        "-file",
        ca.toString());

    Properties props = new Properties();
    props.setProperty(
        "jclouds.filesystem.basedir", Files.createDirectories(dir.resolve("s3")).toString());
    S3Credentials creds = new S3Credentials("tls-test", "tls-test-secret");
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", props))
            .secureEndpoint(URI.create("https://127.0.0.1:0"))
            .keyStore(ks.toString(), "changeit")
            .awsAuthentication(
                AuthenticationType.AWS_V2_OR_V4, creds.accessKey(), creds.secretKey())
            .build();
    proxy.start();
    try {
      for (int i = 0; i < 500 && !"STARTED".equals(proxy.getState()); i++) {
        Thread.sleep(10);
      }
      URI endpoint = URI.create("https://127.0.0.1:" + proxy.getSecurePort());
      RetryPolicy fast = new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(5));
      ObjectStoreConfig base = ObjectStoreConfig.of(endpoint, creds).withRetry(fast);
      ObjectStoreConfig trusting =
          new ObjectStoreConfig(
              endpoint,
              base.region(),
              true,
              creds,
              true,
              base.multipartThreshold(),
              base.partSize(),
              fast,
              Optional.of(ca));

      Path src = Files.createDirectories(dir.resolve("src"));
      Files.writeString(src.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\"}");
      try (S3ObjectStore client = new S3ObjectStore(trusting)) {
        ArtifactStore store = new ArtifactStore(client, fast);
        PublishedVersion v = store.push(src, S3Uri.parse("s3://secure/a"), Map.of());
        store.pull(v.uri(), dir.resolve("dst"));
        assertThat(dir.resolve("dst/adapter_config.json"))
            .hasSameTextualContentAs(src.resolve("adapter_config.json"));
      }
      try (S3ObjectStore untrusting = new S3ObjectStore(base)) {
        assertThatThrownBy(() -> untrusting.list("secure", ""))
            .isInstanceOf(ObjectStoreException.class)
            .hasMessageContaining("TLS failure")
            .satisfies(e -> assertThat(((ObjectStoreException) e).isTransient()).isFalse());
      }
    } finally {
      proxy.stop();
    }
  }
}
