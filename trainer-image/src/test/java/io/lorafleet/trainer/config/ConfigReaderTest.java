package io.lorafleet.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.finetunejob.LearningRateSchedule;
import io.lorafleet.api.v1alpha1.finetunejob.LoraInit;
import io.lorafleet.api.v1alpha1.finetunejob.TargetModule;
import io.lorafleet.api.v1alpha1.jobs.TrainerConfig;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.TrainerFailure;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConfigReaderTest {
  /** The shape the operator writes (docs/operator.md), with the API server's defaults applied. */
  static final String OPERATOR_JSON =
      """
      {
        "schemaVersion": 1,
        "run": {"namespace": "team-a", "name": "tune", "uid": "1234",
                "directory": "s3://adapters/team-a/finetunejobs/tune/1234"},
        "baseModel": {"uri": "s3://models/llama", "digest": "sha256:abc",
                      "credentialsDir": "/var/run/lorafleet/credentials/s3"},
        "dataset": {"uri": "s3://data/train.jsonl", "format": "chat",
                    "validationSplit": 0.05, "maxInvalidFraction": 0.01,
                    "credentialsSecretRef": {"name": "s3"}},
        "datasetCredentialsDir": "/var/run/lorafleet/credentials/s3",
        "lora": {"rank": 8, "alpha": 16.0, "dropout": 0.05, "targetModules": ["q_proj", "k_proj"],
                 "init": "standard", "useRslora": false},
        "training": {"maxSteps": 100, "learningRate": 0.0002, "schedule": "cosine",
                     "warmupSteps": 10, "batchSize": 8, "gradientAccumulationSteps": 2,
                     "maxSequenceLength": 1024, "weightDecay": 0.0, "maxGradNorm": 1.0,
                     "seed": 42, "checkpointInterval": 100},
        "output": {"adapterName": "tuned", "versionsUri": "s3://adapters/team-a/adapters/tuned",
                   "credentialsDir": "/var/run/lorafleet/credentials/s3"}
      }
      """;

  static TrainerConfig parse(String json) throws TrainerFailure {
    return ConfigReader.parse(json.getBytes(StandardCharsets.UTF_8), "trainer.json");
  }

  static TrainerFailure failure(String text, String name) {
    try {
      ConfigReader.parse(text.getBytes(StandardCharsets.UTF_8), name);
    } catch (TrainerFailure f) {
      return f;
    }
    throw new AssertionError("parsed without error: " + text);
  }

  @Test
  void readsTheOperatorsConfig() throws Exception {
    TrainerConfig c = parse(OPERATOR_JSON);
    assertThat(c.run().uid()).isEqualTo("1234");
    assertThat(c.baseModel().digest()).isEqualTo("sha256:abc");
    assertThat(c.dataset().format()).isEqualTo(DatasetFormat.CHAT);
    assertThat(c.dataset().credentialsSecretRef().name()).isEqualTo("s3");
    assertThat(c.lora().targetModules()).containsExactly(TargetModule.Q_PROJ, TargetModule.K_PROJ);
    assertThat(c.training().maxSteps()).isEqualTo(100L);
    assertThat(c.training().gradientAccumulationSteps()).isEqualTo(2);
    assertThat(c.output().versionsUri()).isEqualTo("s3://adapters/team-a/adapters/tuned");
  }

  @Test
  void yamlWithOnlyRequiredFieldsGetsTheSchemaDefaults() throws Exception {
    String yaml =
        """
        schemaVersion: 1
        run: {name: laptop, directory: /tmp/run}
        baseModel: {uri: /models/smollm}
        dataset: {uri: /data/train.jsonl}
        training: {epochs: 2}
        output: {versionsUri: /tmp/adapters/mine}
        """;
    TrainerConfig c = ConfigReader.parse(yaml.getBytes(StandardCharsets.UTF_8), "trainer.yaml");
    // The values of the api records' @Default annotations (what the API server fills in).
    assertThat(c.dataset().format()).isEqualTo(DatasetFormat.PROMPT_COMPLETION);
    assertThat(c.dataset().validationSplit()).isEqualTo(0.05);
    assertThat(c.dataset().maxInvalidFraction()).isEqualTo(0.01);
    assertThat(c.lora().rank()).isEqualTo(16);
    assertThat(c.lora().alpha()).isEqualTo(32.0);
    assertThat(c.lora().dropout()).isEqualTo(0.05);
    assertThat(c.lora().targetModules())
        .containsExactly(
            TargetModule.Q_PROJ, TargetModule.K_PROJ, TargetModule.V_PROJ, TargetModule.O_PROJ);
    assertThat(c.lora().init()).isEqualTo(LoraInit.STANDARD);
    assertThat(c.lora().useRslora()).isFalse();
    assertThat(c.training().epochs()).isEqualTo(2);
    assertThat(c.training().maxSteps()).isNull();
    assertThat(c.training().learningRate()).isEqualTo(2.0e-4);
    assertThat(c.training().schedule()).isEqualTo(LearningRateSchedule.COSINE);
    assertThat(c.training().batchSize()).isEqualTo(8);
    assertThat(c.training().maxSequenceLength()).isEqualTo(1024);
    assertThat(c.training().seed()).isEqualTo(42L);
    assertThat(c.training().checkpointInterval()).isEqualTo(100);
  }

  @Test
  void unknownFieldIsRejectedWithItsPath() {
    TrainerFailure f =
        failure(
            OPERATOR_JSON.replace("\"seed\": 42", "\"seed\": 42, \"learningrate\": 1"), "t.json");
    assertThat(f.reason()).isEqualTo("InvalidConfig");
    assertThat(f.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(f.getMessage())
        .contains("unknown field 'training.learningrate'")
        .contains("learningRate");
  }

  @Test
  void unknownTopLevelFieldIsRejected() {
    TrainerFailure f =
        failure(
            OPERATOR_JSON.replace(
                "\"schemaVersion\": 1,", "\"schemaVersion\": 1, \"extra\": true,"),
            "t.json");
    assertThat(f.getMessage()).contains("unknown field 'extra'");
  }

  @Test
  void newerSchemaVersionIsRefused() {
    TrainerFailure f =
        failure(OPERATOR_JSON.replace("\"schemaVersion\": 1", "\"schemaVersion\": 2"), "t.json");
    assertThat(f.getMessage()).contains("schemaVersion 2 is newer than this trainer reads (1)");
    assertThat(f.permanent()).isTrue();
  }

  @Test
  void badEnumValueNamesTheAllowedOnes() {
    TrainerFailure f =
        failure(OPERATOR_JSON.replace("\"format\": \"chat\"", "\"format\": \"csv\""), "t.json");
    assertThat(f.getMessage())
        .contains("field 'dataset.format' has an invalid value 'csv'")
        .contains("prompt-completion, chat");
  }

  @Test
  void bothEpochsAndMaxStepsAndOutOfRangeValuesAreAllReported() {
    TrainerFailure f =
        failure(
            OPERATOR_JSON
                .replace("\"maxSteps\": 100", "\"maxSteps\": 100, \"epochs\": 3")
                .replace("\"rank\": 8", "\"rank\": 0")
                .replace("\"validationSplit\": 0.05", "\"validationSplit\": 1.5"),
            "t.json");
    assertThat(f.getMessage())
        .contains("set exactly one of epochs or maxSteps")
        .contains("lora.rank must be between 1 and 512")
        .contains("dataset.validationSplit must be a fraction in [0, 1)");
  }

  @Test
  void missingRequiredPartsAreNamed() {
    TrainerFailure f = failure("{\"schemaVersion\": 1, \"training\": {\"maxSteps\": 1}}", "t.json");
    assertThat(f.getMessage())
        .contains("run.directory is required")
        .contains("baseModel.uri is required")
        .contains("output.versionsUri is required")
        .contains("dataset is required");
  }

  @Test
  void notJsonAndMissingSchemaVersionAreBadInput() {
    assertThat(failure("{not json", "t.json").getMessage()).startsWith("t.json is not valid JSON");
    assertThat(failure("{}", "t.json").getMessage()).contains("schemaVersion is missing");
    assertThat(failure("[1]", "t.json").getMessage()).contains("must be an object");
  }

  @Test
  void aMissingFileIsBadInput() {
    assertThatThrownBy(() -> ConfigReader.read(java.nio.file.Path.of("/nonexistent/trainer.json")))
        .isInstanceOf(TrainerFailure.class)
        .hasMessageContaining("does not exist");
  }
}
