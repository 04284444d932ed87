package io.lorafleet.trainer;

import io.lorafleet.trainer.report.ConsoleProgress;
import io.lorafleet.trainer.run.ActivationMemory;
import io.lorafleet.trainer.run.EngineTrainingMath;
import io.lorafleet.trainer.run.TrainJob;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of a training run, one declaration for the image's {@code trainer train} and the
 * command line's {@code lorafleet train} (a picocli mixin), and the run they describe.
 */
public final class TrainOptions {
  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "trainer.json or trainer.yaml")
  Path config;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description = "local scratch: model cache, checkpoint staging (default: $java.io.tmpdir)")
  Path workDir;

  @Option(
      names = "--progress-interval",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description = "minimum seconds between progress.json writes (default: 5)")
  double progressInterval;

  @Option(
      names = "--activation-memory",
      paramLabel = "auto|SIZE",
      defaultValue = "auto",
      converter = ActivationMemoryConverter.class,
      description =
          "layer activations kept for the backward pass instead of recomputed: auto (default:"
              + " what fits in 70%% of the max heap after the model and the trainer's copies),"
              + " or a size such as 0 (recompute every layer), 768m, 4g. Results are the same.")
  ActivationMemory activationMemory;

  @Option(
      names = "--backend",
      paramLabel = "auto|cpu|cuda|host-device",
      defaultValue = "auto",
      description =
          "compute backend: auto (default: CUDA when a usable GPU is found, else CPU), cpu, cuda,"
              + " or host-device (the CUDA kernels compiled for the host, for tests; slow)")
  String backend;

  /** Trains as configured; {@code progressBar} draws one on stderr after every step. */
  public int run(boolean progressBar) {
    return new TrainJob(
            new EngineTrainingMath(),
            System.getenv(),
            workDir != null ? workDir : TrainerMain.defaultWorkDir(),
            TrainerMain.termination(),
            Clock.systemUTC(),
            Duration.ofMillis(Math.round(progressInterval * 1000)))
        .observedBy(progressBar ? new ConsoleProgress(System.err) : p -> {})
        .withActivationMemory(activationMemory)
        .withBackend(backend)
        .run(config);
  }

  static final class ActivationMemoryConverter
      implements CommandLine.ITypeConverter<ActivationMemory> {
    @Override
    public ActivationMemory convert(String value) {
      try {
        return ActivationMemory.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
