package io.lorafleet.cli;

import io.lorafleet.trainer.TrainerMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lorafleet train --config FILE}: the trainer image's program, on this machine's CPU. */
@Command(
    name = "train",
    description =
        "Fine-tune a LoRA adapter locally (CPU) with a progress bar: train --config trainer.yaml"
            + " [--work-dir DIR];"
            + " local paths or s3:// URIs (docs/trainer.md). Exit 2 = bad input.")
final class TrainCommand implements Callable<Integer> {
  @Parameters(description = "The trainer's flags, passed through unchanged.")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() {
    List<String> all = new ArrayList<>();
    all.add("train");
    if (!args.contains("--progress-bar")) {
      all.add("--progress-bar");
    }
    all.addAll(args);
    return TrainerMain.run(all.toArray(String[]::new));
  }
}
