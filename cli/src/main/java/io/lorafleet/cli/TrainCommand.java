package io.lorafleet.cli;

import io.lorafleet.trainer.TrainerMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lorafleet train --config FILE}: the trainer image's program ({@link TrainerMain}, {@code
 * train}) on this machine's CPU, with its progress bar. The options are the trainer's own, declared
 * here so that picocli accepts them and {@code --help} lists them; they are passed through as
 * given.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Fine-tune a LoRA adapter locally (CPU) with a progress bar: local paths or s3:// URIs in"
            + " the config (docs/trainer.md). Exit 2 = bad input, 1 = transient failure.")
final class TrainCommand implements Callable<Integer> {
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
      description = "minimum seconds between progress.json writes (trainer default: 5)")
  String progressInterval;

  @Option(
      names = "--activation-memory",
      paramLabel = "auto|SIZE",
      description =
          "activations kept instead of recomputed: auto (default: what fits the heap), or a size"
              + " such as 0, 768m, 4g; results are the same")
  String activationMemory;

  @Override
  public Integer call() {
    List<String> args = new ArrayList<>(List.of("train", "--progress-bar"));
    args.add("--config");
    args.add(config.toString());
    if (workDir != null) {
      args.add("--work-dir");
      args.add(workDir.toString());
    }
    if (progressInterval != null) {
      args.add("--progress-interval");
      args.add(progressInterval);
    }
    if (activationMemory != null) {
      args.add("--activation-memory");
      args.add(activationMemory);
    }
    return TrainerMain.run(args.toArray(String[]::new));
  }
}
