package io.lorafleet.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3ObjectStore;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.local.LocalObjectStore;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The trainer image as a FineTuneJob's pod runs it: UID 10001, read-only root filesystem, a memory
 * limit, trainer.json and the object-store credentials mounted root-owned and readable through the
 * fsGroup. It trains a short run against the embedded object store (S3Proxy on the host, reached
 * over the host network) and publishes an adapter version with its result.json.
 */
class TrainerImageSmokeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUCKET = "lorafleet";
  private static final String MEMORY_LIMIT = "1536m";

  @Test
  void trainsAShortRunAgainstTheHostsObjectStore() throws Exception {
    Podman podman = Podman.fromBuild();
    String image = ImagesDir.built().getProperty("trainer");
    Path root = ImagesDir.scratch("trainer");
    try (LocalObjectStore local = LocalObjectStore.start(root.resolve("s3"))) {
      S3ObjectStore s3 = local.client();
      s3.ensureBucket(BUCKET);
      Path modelDir = TestModelGenerator.write(TestModelSpec.llamaGqa(), root.resolve("model"));
      new ArtifactStore(s3, RetryPolicy.defaults())
          .push(modelDir, S3Uri.parse("s3://lorafleet/models/tiny"), Map.of());
      StringBuilder rows = new StringBuilder();
      for (int i = 0; i < 64; i++) {
        rows.append("{\"prompt\":\"count ")
            .append(i)
            .append(" =\",\"completion\":\" ")
            .append(i + 1)
            .append("\"}\n");
      }
      s3.putBytes(BUCKET, "datasets/count.jsonl", rows.toString().getBytes(StandardCharsets.UTF_8));

      Path creds = Files.createDirectories(root.resolve("credentials"));
      Files.writeString(creds.resolve("AWS_ACCESS_KEY_ID"), local.credentials().accessKey());
      Files.writeString(creds.resolve("AWS_SECRET_ACCESS_KEY"), local.credentials().secretKey());
      Files.writeString(creds.resolve("AWS_ENDPOINT_URL"), local.endpoint().toString());
      Path config = Files.createDirectories(root.resolve("config"));
      Files.write(config.resolve("trainer.json"), JSON.writeValueAsBytes(trainerConfig()));
      KubeletMounts.rootOwnedGroupReadable(creds);
      KubeletMounts.rootOwnedGroupReadable(config);

      String name = "lorafleet-smoke-trainer-" + UUID.randomUUID().toString().substring(0, 8);
      long started = System.nanoTime();
      Podman.Result run;
      try {
        run =
            podman.run(
                Duration.ofSeconds(240),
                "run",
                "--name",
                name,
                "--user",
                "10001:10001",
                "--group-add",
                Integer.toString(KubeletMounts.FS_GROUP),
                "--read-only",
                "--tmpfs",
                "/tmp:rw,mode=1777",
                "--memory",
                MEMORY_LIMIT,
                "--cap-drop",
                "ALL",
                "--security-opt",
                "no-new-privileges",
                "--network",
                "host",
                "-v",
                creds + ":/var/run/secrets/lorafleet/s3:ro",
                "-v",
                config + ":/etc/lorafleet/trainer:ro",
                "-e",
                JvmHeap.LOG_OPTION,
                image,
                "train",
                "--config",
                "/etc/lorafleet/trainer/trainer.json");
      } finally {
        podman.remove(name);
      }
      System.out.printf(
          "trainer image: exit %d after %.1f s; --memory %s, the JVM's max heap %d MiB%n",
          run.exitCode(),
          (System.nanoTime() - started) / 1e9,
          MEMORY_LIMIT,
          JvmHeap.maxHeapMiB(run.output()).orElse(-1));
      assertThat(run.exitCode()).as(run.output()).isZero();
      assertThat(JvmHeap.memoryMiB(run.output())).as("the JVM sees the limit").hasValue(1536);
      assertThat(JvmHeap.maxHeapMiB(run.output()).orElseThrow()).isBetween(1200L, 1240L);

      JsonNode result = JSON.readTree(s3.getBytes(BUCKET, "smoke/runs/count/result.json"));
      assertThat(result.at("/adapter/uri").asText())
          .as(result.toString())
          .matches("s3://lorafleet/smoke/adapters/count/sha256-[0-9a-f]{64}/");
    }
  }

  /** trainer.json as the operator renders it, pointing at the mounted credentials. */
  private static Map<String, Object> trainerConfig() {
    String creds = "/var/run/secrets/lorafleet/s3";
    return Map.of(
        "schemaVersion", 1,
        "run",
            Map.of(
                "namespace", "smoke",
                "name", "count",
                "uid", "smoke",
                "directory", "s3://lorafleet/smoke/runs/count/"),
        "baseModel", Map.of("uri", "s3://lorafleet/models/tiny", "credentialsDir", creds),
        "dataset",
            Map.of(
                "uri", "s3://lorafleet/datasets/count.jsonl",
                "format", "prompt-completion",
                "validationSplit", 0.1),
        "datasetCredentialsDir", creds,
        "lora",
            Map.of(
                "rank",
                4,
                "alpha",
                8.0,
                "dropout",
                0.0,
                "targetModules",
                List.of("q_proj", "v_proj")),
        "training",
            Map.of(
                "maxSteps",
                6,
                "learningRate",
                1.0e-3,
                "schedule",
                "constant",
                "warmupSteps",
                0,
                "batchSize",
                4,
                "maxSequenceLength",
                32,
                "seed",
                42,
                "checkpointInterval",
                3),
        "output",
            Map.of(
                "adapterName", "count",
                "versionsUri", "s3://lorafleet/smoke/adapters/count/",
                "credentialsDir", creds));
  }
}
