package io.lorafleet.cli;

import io.lorafleet.trainer.EvalOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code lorafleet eval}: the trainer image's evaluation ({@code trainer eval}, the same {@link
 * EvalOptions}) on this machine: a table of the metrics, the JSON result with {@code --output}.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Score a candidate adapter against a stable one and the base model on a JSONL dataset"
            + " (and a safety probe) and gate it (docs/evaluation.md). Exit 0 = passed,"
            + " 3 = a gate failed, 2 = bad input, 1 = transient failure.")
final class EvalCommand implements Callable<Integer> {
  @Mixin EvalOptions options;

  @Override
  public Integer call() {
    return options.run(System.out);
  }
}
