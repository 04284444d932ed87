package io.lorafleet.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.engine.train.LoraTraining;
import io.lorafleet.engine.train.LoraTrainingOptions;
import io.lorafleet.trainer.ExitCodes;
import io.lorafleet.trainer.report.TerminationMessage;
import io.lorafleet.trainer.support.TestWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run keeps activations by default (a positive budget reaches the engine) and publishes the same
 * adapter bytes as a run that recomputes every layer ({@code --activation-memory 0}).
 */
class ActivationBudgetRunTest {
  @TempDir Path dir;

  /** The engine's math, recording the budgets it was given. */
  static final class RecordingMath implements TrainingMath {
    final EngineTrainingMath engine = new EngineTrainingMath();
    final List<Long> budgets = new ArrayList<>();

    @Override
    public LoraTraining create(LlamaModel base, LoraTrainingOptions options, long budget) {
      budgets.add(budget);
      return engine.create(base, options, budget);
    }

    @Override
    public void write(io.lorafleet.engine.train.TrainingState state, Path file)
        throws java.io.IOException {
      engine.write(state, file);
    }

    @Override
    public io.lorafleet.engine.train.TrainingState read(Path file) throws java.io.IOException {
      return engine.read(file);
    }

    @Override
    public double learningRate(
        io.lorafleet.api.v1alpha1.finetunejob.LearningRateSchedule schedule,
        double peak,
        long warmupSteps,
        long totalSteps,
        long step) {
      return engine.learningRate(schedule, peak, warmupSteps, totalSteps, step);
    }
  }

  private byte[] train(Path model, String name, ActivationMemory memory, RecordingMath math)
      throws Exception {
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(
        config,
        """
        schemaVersion: 1
        run: {name: %1$s, directory: %2$s/%1$s/run}
        baseModel: {uri: %3$s}
        dataset: {uri: %2$s/train.jsonl, format: prompt-completion, validationSplit: 0.1}
        lora: {rank: 4, alpha: 8.0, dropout: 0.1, targetModules: [q_proj, v_proj, gate_proj, down_proj]}
        training: {maxSteps: 4, batchSize: 4, learningRate: 0.01, checkpointInterval: 2, maxSequenceLength: 64, seed: 5}
        output: {versionsUri: %2$s/%1$s/adapters}
        """
            .formatted(name, dir, model));
    int code =
        new TrainJob(
                math,
                Map.of(),
                dir.resolve(name + "-work"),
                new TerminationMessage(dir.resolve(name + "-termination")),
                Clock.systemUTC(),
                Duration.ZERO)
            .withActivationMemory(memory)
            .run(config);
    assertThat(code).isEqualTo(ExitCodes.OK);
    try (Stream<Path> s = Files.list(dir.resolve(name + "/adapters"))) {
      Path version =
          s.filter(p -> p.getFileName().toString().startsWith("sha256-")).findFirst().orElseThrow();
      return Files.readAllBytes(version.resolve("adapter_model.safetensors"));
    }
  }

  @Test
  void theDefaultKeepsActivationsAndPublishesTheSameBytesAsRecomputation() throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), dir.resolve("model"));
    Files.writeString(dir.resolve("train.jsonl"), TestWorld.reverseDataset(24, 9));
    RecordingMath auto = new RecordingMath();
    RecordingMath recompute = new RecordingMath();

    byte[] kept = train(model, "auto", ActivationMemory.auto(), auto);
    byte[] recomputed = train(model, "recompute", ActivationMemory.bytes(0), recompute);

    // This model's activations are a few hundred KiB per layer: any test heap holds them all.
    assertThat(auto.budgets).hasSize(1);
    assertThat(auto.budgets.getFirst()).isGreaterThan(1L << 20);
    assertThat(recompute.budgets).containsExactly(0L);
    assertThat(kept).isEqualTo(recomputed);
  }
}
