package io.lorafleet.trainer.support;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.local.LocalObjectStore;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An embedded S3 (S3Proxy) with buckets {@code models}, {@code data} and {@code adapters}, a
 * credentials directory as the operator mounts it, and a small generated base model published under
 * {@code s3://models/llama}.
 */
public final class TestWorld implements AutoCloseable {
  public static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  public final Path dir;
  public final LocalObjectStore s3;
  public final S3ObjectStore client;
  public final ArtifactStore artifacts;
  public final Path credentials;
  public final Path modelDir;
  public final PublishedVersion model;

  public TestWorld(Path dir) throws Exception {
    this.dir = dir;
    this.s3 = LocalObjectStore.start(dir.resolve("s3"));
    this.client = s3.client();
    this.artifacts = new ArtifactStore(client, RetryPolicy.defaults());
    for (String b : List.of("models", "data", "adapters")) {
      client.ensureBucket(b);
    }
    credentials = Files.createDirectories(dir.resolve("credentials"));
    Files.writeString(
        credentials.resolve("AWS_ACCESS_KEY_ID"), s3.credentials().accessKey() + "\n");
    Files.writeString(credentials.resolve("AWS_SECRET_ACCESS_KEY"), s3.credentials().secretKey());
    Files.writeString(credentials.resolve("AWS_ENDPOINT_URL"), s3.endpoint().toString());
    modelDir = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    model = artifacts.push(modelDir, S3Uri.parse("s3://models/llama"), Map.of());
  }

  public void putText(String uri, String text) {
    S3Uri u = S3Uri.parse(uri);
    client.putBytes(u.bucket(), u.key(), text.getBytes(StandardCharsets.UTF_8));
  }

  public boolean exists(String uri) {
    S3Uri u = S3Uri.parse(uri);
    return client.stat(u.bucket(), u.key()).isPresent();
  }

  public byte[] get(String uri) {
    S3Uri u = S3Uri.parse(uri);
    return client.getBytes(u.bucket(), u.key());
  }

  public List<ObjectInfo> list(String uri) {
    S3Uri u = S3Uri.parse(uri);
    return client.list(u.bucket(), u.prefix());
  }

  /** A trainer.json for run {@code name} with the given training settings. */
  public Map<String, Object> trainerConfig(
      String name, String datasetUri, String format, Map<String, Object> training) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("schemaVersion", 1);
    c.put(
        "run",
        Map.of(
            "namespace",
            "team-a",
            "name",
            name,
            "uid",
            "uid-" + name,
            "directory",
            "s3://adapters/team-a/finetunejobs/" + name + "/uid-" + name));
    c.put(
        "baseModel",
        Map.of(
            "uri",
            "s3://models/llama",
            "digest",
            "sha256:" + model.digest(),
            "credentialsDir",
            credentials.toString()));
    c.put(
        "dataset",
        Map.of(
            "uri",
            datasetUri,
            "format",
            format,
            "validationSplit",
            0.1,
            "maxInvalidFraction",
            0.01,
            "credentialsSecretRef",
            Map.of("name", "s3")));
    c.put("datasetCredentialsDir", credentials.toString());
    c.put(
        "lora",
        Map.of(
            "rank",
            4,
            "alpha",
            8.0,
            "dropout",
            0.1,
            "targetModules",
            List.of("q_proj", "v_proj", "down_proj"),
            "init",
            "standard",
            "useRslora",
            false));
    c.put("training", training);
    c.put(
        "output",
        Map.of(
            "adapterName",
            name,
            "versionsUri",
            "s3://adapters/team-a/adapters/" + name,
            "credentialsDir",
            credentials.toString()));
    return c;
  }

  public Path writeConfig(String file, Map<String, Object> config) throws IOException {
    Path p = dir.resolve(file);
    JSON.writeValue(p.toFile(), config);
    return p;
  }

  /** "reverse: abc" -> "cba" records, deterministic in {@code seed}. */
  public static String reverseDataset(int n, long seed) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int len = 2 + r.nextInt(4);
      StringBuilder w = new StringBuilder();
      for (int k = 0; k < len; k++) {
        w.append((char) ('a' + r.nextInt(8)));
      }
      sb.append(
              JSON.createObjectNode()
                  .put("prompt", "reverse " + w + " =")
                  .put("completion", " " + w.reverse()))
          .append('\n');
    }
    return sb.toString();
  }

  @Override
  public void close() {
    client.close();
    s3.close();
  }
}
