package io.lorafleet.cli;

import io.lorafleet.trainer.TrainOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code lorafleet train --config FILE}: the trainer image's run ({@code trainer train}, the same
 * {@link TrainOptions}) on this machine's CPU, with its progress bar.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Fine-tune a LoRA adapter locally (CPU) with a progress bar: local paths or s3:// URIs in"
            + " the config (docs/trainer.md). Exit 2 = bad input, 1 = transient failure.")
final class TrainCommand implements Callable<Integer> {
  @Mixin TrainOptions options;

  @Override
  public Integer call() {
    return options.run(true);
  }
}
