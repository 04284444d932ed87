package io.lorafleet.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.report.RunReports;
import io.lorafleet.trainer.report.TerminationMessage;
import io.lorafleet.trainer.support.TestWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In a whole run whose clock never advances (so the interval never passes), progress.json is
 * written at the first step, at every checkpoint and at the end, and at no other step.
 */
class ProgressThrottleRunTest {
  @TempDir Path dir;

  @Test
  void checkpointsAndTheEndForceAProgressWrite() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    Files.writeString(dir.resolve("train.jsonl"), TestWorld.reverseDataset(16, 4));
    Path config = dir.resolve("trainer.yaml");
    Files.writeString(
        config,
        """
        schemaVersion: 1
        run: {name: throttle, directory: %1$s/run}
        baseModel: {uri: %2$s}
        dataset: {uri: %1$s/train.jsonl, format: prompt-completion}
        lora: {rank: 2, alpha: 4.0, targetModules: [q_proj]}
        training: {maxSteps: 7, batchSize: 2, learningRate: 0.01, checkpointInterval: 3, maxSequenceLength: 64}
        output: {versionsUri: %1$s/adapters}
        """
            .formatted(dir, model));
    Path progress = dir.resolve("run").resolve(RunReports.PROGRESS);
    // Called for every step before the write decision: records what the previous writes left.
    List<Long> onDiskBeforeStep = new ArrayList<>();
    Clock frozen = Clock.fixed(Instant.parse("2026-12-06T07:00:00Z"), ZoneOffset.UTC);

    int code =
        new TrainJob(
                new EngineTrainingMath(),
                Map.of(),
                dir.resolve("work"),
                new TerminationMessage(dir.resolve("termination")),
                frozen,
                Duration.ofHours(1))
            .observedBy(p -> onDiskBeforeStep.add(step(progress)))
            .run(config);

    assertThat(code).isEqualTo(ExitCodes.OK);
    // Steps 1..7: written at step 1 (first), 3 and 6 (checkpoints), 7 (the end); 2, 4, 5 held back.
    assertThat(onDiskBeforeStep).containsExactly(-1L, 1L, 1L, 3L, 3L, 3L, 6L);
    assertThat(step(progress)).isEqualTo(7);
  }

  private static long step(Path progress) {
    if (!Files.exists(progress)) {
      return -1;
    }
    try {
      JsonNode n = TestWorld.JSON.readTree(progress.toFile());
      return n.path("step").asLong();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
