package io.lorafleet.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.ports.LoopbackPorts;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.report.TerminationMessage;
import io.lorafleet.trainer.support.TestWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit code tells the Job whether to retry: a config the engine cannot train is bad input (2,
 * not retried), an object store that cannot be reached is transient (1, retried).
 */
class ExitCodeTest {
  @TempDir Path dir;

  private int train(Path config) throws Exception {
    return train(config, "auto");
  }

  private int train(Path config, String backend) throws Exception {
    Files.createFile(dir.resolve("termination")); // as the kubelet provides it
    return new TrainJob(
            new EngineTrainingMath(),
            Map.of(),
            dir.resolve("work"),
            new TerminationMessage(dir.resolve("termination")),
            Clock.systemUTC(),
            Duration.ZERO)
        .withBackend(backend)
        .run(config);
  }

  private Path config(String baseModel, String lora) throws Exception {
    Files.writeString(dir.resolve("train.jsonl"), TestWorld.reverseDataset(12, 1));
    Path config = dir.resolve("trainer.yaml");
    Files.writeString(
        config,
        """
        schemaVersion: 1
        run: {name: codes, directory: %1$s/run}
        baseModel: %2$s
        dataset: {uri: %1$s/train.jsonl, format: prompt-completion}
        lora: %3$s
        training: {maxSteps: 2, batchSize: 2, learningRate: 0.01, maxSequenceLength: 64}
        output: {versionsUri: %1$s/adapters}
        """
            .formatted(dir, baseModel, lora));
    return config;
  }

  private JsonNode result() throws Exception {
    return TestWorld.JSON.readTree(dir.resolve("run/result.json").toFile());
  }

  @Test
  void aPissaRankAboveTheSmallestTargetDimensionIsBadInputBeforeTraining() throws Exception {
    // llamaGqa: k_proj and v_proj are 32 x 64, q_proj 64 x 64.
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    Path config =
        config(
            "{uri: " + model + "}",
            "{rank: 48, alpha: 48.0, init: pissa, targetModules: [q_proj, k_proj, v_proj]}");

    int code = train(config);

    assertThat(code).isEqualTo(ExitCodes.BAD_INPUT);
    JsonNode result = result();
    assertThat(result.path("status").asText()).isEqualTo("failed");
    assertThat(result.path("reason").asText()).isEqualTo("InvalidConfig");
    assertThat(result.path("message").asText())
        .contains("lora.rank 48 is more than min(out, in) = 32 of k_proj (32 x 64)")
        .contains("of v_proj")
        .doesNotContain("q_proj");
    assertThat(Files.readString(dir.resolve("termination"))).startsWith("InvalidConfig: ");
    assertThat(dir.resolve("adapters")).doesNotExist();
    assertThat(dir.resolve("run/checkpoints")).doesNotExist();
  }

  @Test
  void theSameRankWithinTheLimitTrains() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    Path config =
        config(
            "{uri: " + model + "}",
            "{rank: 32, alpha: 32.0, init: pissa, targetModules: [q_proj, k_proj, v_proj]}");

    assertThat(train(config)).isEqualTo(ExitCodes.OK);
    assertThat(result().path("status").asText()).isEqualTo("succeeded");
  }

  @Test
  void anUnreachableObjectStoreIsTransient() throws Exception {
    // Nothing listens there, and outside the ephemeral range the client's own source port can never
    // equal it (a closed bind(0) port could: TCP self-connect, which then "succeeds").
    int port = LoopbackPorts.next();
    Path credentials = Files.createDirectories(dir.resolve("credentials"));
    Files.writeString(credentials.resolve("AWS_ACCESS_KEY_ID"), "test-key");
    Files.writeString(credentials.resolve("AWS_SECRET_ACCESS_KEY"), "test-secret");
    Files.writeString(credentials.resolve("AWS_ENDPOINT_URL"), "http://127.0.0.1:" + port);
    Path config =
        config(
            "{uri: s3://models/llama, credentialsDir: " + credentials + "}",
            "{rank: 2, alpha: 4.0, targetModules: [q_proj]}");

    int code = train(config);

    assertThat(code).isEqualTo(ExitCodes.TRANSIENT);
    JsonNode result = result();
    assertThat(result.path("status").asText()).isEqualTo("failed");
    assertThat(result.path("reason").asText()).isEqualTo("ObjectStoreUnavailable");
    assertThat(Files.readString(dir.resolve("termination")))
        .startsWith("ObjectStoreUnavailable: ")
        .doesNotContain("test-secret");
    assertThat(dir.resolve("adapters")).doesNotExist();
  }

  @Test
  void aNamedBackendThatCannotRunIsBadInputWithItsReason() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    Path config = config("{uri: " + model + "}", "{rank: 2, alpha: 4.0, targetModules: [q_proj]}");

    int code = train(config, "tpu");

    assertThat(code).isEqualTo(ExitCodes.BAD_INPUT);
    JsonNode result = result();
    assertThat(result.path("reason").asText()).isEqualTo("BackendUnavailable");
    assertThat(result.path("message").asText())
        .isEqualTo("unknown backend 'tpu': expected auto or one of cpu, cuda, host-device");
    assertThat(dir.resolve("adapters")).doesNotExist();
  }

  /**
   * A base model the engine refuses (here a config.json with an activation it does not implement)
   * is bad input, InvalidBaseModel, not a transient trainer failure to retry.
   */
  @Test
  void aBaseModelTheEngineRefusesIsBadInput() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    Path json = model.resolve("config.json");
    Files.writeString(json, Files.readString(json).replace("\"silu\"", "\"gelu\""));
    Path config = config("{uri: " + model + "}", "{rank: 2, alpha: 4.0, targetModules: [q_proj]}");

    int code = train(config);

    assertThat(code).isEqualTo(ExitCodes.BAD_INPUT);
    JsonNode result = result();
    assertThat(result.path("reason").asText()).isEqualTo("InvalidBaseModel");
    assertThat(result.path("message").asText())
        .startsWith("the base model's config.json cannot be used: ")
        .contains("gelu");
    assertThat(Files.readString(dir.resolve("termination"))).startsWith("InvalidBaseModel: ");
    assertThat(dir.resolve("adapters")).doesNotExist();
  }
}
