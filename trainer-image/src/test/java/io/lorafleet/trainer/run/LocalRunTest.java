package io.lorafleet.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.TrainerMain;
import io.lorafleet.trainer.support.TestWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A laptop run: local paths only, a YAML config, chat data, through the command line. */
class LocalRunTest {
  @TempDir Path dir;

  @Test
  void trainsChatDataFromLocalPathsAndPublishesAVersionDirectory() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.qwen2TiedBias(), dir.resolve("model"));
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      data.append(
              new com.fasterxml.jackson.databind.ObjectMapper()
                  .writeValueAsString(
                      java.util.Map.of(
                          "messages",
                          java.util.List.of(
                              java.util.Map.of(
                                  "role", "user", "content", "count to " + (i % 4 + 1)),
                              java.util.Map.of(
                                  "role",
                                  "assistant",
                                  "content",
                                  "1 2 3 4".substring(0, 2 * (i % 4) + 1))))))
          .append('\n');
    }
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/part-1.jsonl"), data.toString());
    Files.writeString(dir.resolve("data/notes.txt"), "not a dataset file");
    Path config = dir.resolve("trainer.yaml");
    Files.writeString(
        config,
        """
        schemaVersion: 1
        run: {name: laptop, directory: %s}
        baseModel: {uri: %s}
        dataset: {uri: %s, format: chat, validationSplit: 0.2}
        lora: {rank: 2, alpha: 4.0, targetModules: [q_proj, o_proj]}
        training: {maxSteps: 3, batchSize: 2, learningRate: 0.01, checkpointInterval: 2, maxSequenceLength: 64}
        output: {versionsUri: %s}
        """
            .formatted(dir.resolve("run"), model, dir.resolve("data"), dir.resolve("adapters")));

    int code =
        TrainerMain.run(
            "train", "--config", config.toString(), "--work-dir", dir.resolve("work").toString());

    assertThat(code).isEqualTo(ExitCodes.OK);
    JsonNode result = TestWorld.JSON.readTree(dir.resolve("run/result.json").toFile());
    assertThat(result.path("status").asText()).isEqualTo("succeeded");
    assertThat(result.at("/metrics/records").asInt()).isEqualTo(12);
    Path version;
    try (Stream<Path> s = Files.list(dir.resolve("adapters"))) {
      version =
          s.filter(p -> p.getFileName().toString().startsWith("sha256-")).findFirst().orElseThrow();
    }
    assertThat(result.at("/adapter/uri").asText()).contains(version.getFileName().toString());
    assertThat(version.resolve("manifest.json")).exists();
    assertThat(PeftAdapterReader.read(version).config().r()).isEqualTo(2);
    assertThat(dir.resolve("run/checkpoints/step-2/checkpoint.json")).exists();
    assertThat(dir.resolve("run/progress.json")).exists();
    try (Stream<Path> s = Files.walk(dir.resolve("adapters"))) {
      assertThat(s.filter(p -> p.toString().endsWith(".part"))).isEmpty();
    }
  }

  @Test
  void usageErrorsAreBadInput() {
    assertThat(TrainerMain.run("train")).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(TrainerMain.run("train", "--config", dir.resolve("missing.json").toString()))
        .isEqualTo(ExitCodes.BAD_INPUT);
  }
}
