package io.lorafleet.trainer;

import io.lorafleet.trainer.merge.MergeRun;
import io.lorafleet.trainer.report.TerminationMessage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The trainer image's entry point: {@code train --config FILE} (a FineTuneJob's run), {@code merge
 * --config FILE} (a MergePolicy's run) and {@code eval} (two adapter versions and the base model
 * scored on one dataset, {@link EvalOptions}). Exit codes: {@link ExitCodes}.
 */
@Command(
    name = "trainer",
    mixinStandardHelpOptions = true,
    subcommands = {TrainerMain.Train.class, TrainerMain.Merge.class, TrainerMain.Eval.class},
    description = "Lorafleet trainer: LoRA fine-tuning, adapter merging and evaluation jobs.")
public final class TrainerMain {
  /** Where the Kubernetes termination message goes (tests point it elsewhere). */
  public static final String TERMINATION_LOG_ENV = "LORAFLEET_TERMINATION_LOG";

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns the exit code (usage errors are bad input). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new TrainerMain());
    cl.setExitCodeExceptionMapper(
        e ->
            e instanceof CommandLine.ParameterException
                ? ExitCodes.BAD_INPUT
                : ExitCodes.TRANSIENT);
    return cl.execute(args);
  }

  static TerminationMessage termination() {
    String p = System.getenv(TERMINATION_LOG_ENV);
    return new TerminationMessage(
        p == null || p.isBlank() ? TerminationMessage.DEFAULT : Path.of(p));
  }

  static Path defaultWorkDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "lorafleet-trainer");
  }

  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      description =
          "Train a LoRA adapter from trainer.json (JSON or YAML); resumes from the run"
              + " directory's checkpoints.")
  static final class Train implements Callable<Integer> {
    @Mixin TrainOptions options;

    @Option(
        names = "--progress-bar",
        description = "draw a progress bar on stderr after every step (lorafleet train does)")
    boolean progressBar;

    @Override
    public Integer call() {
      return options.run(progressBar);
    }
  }

  @Command(
      name = "merge",
      mixinStandardHelpOptions = true,
      description = "Merge adapters as merge.json says and publish the result.")
  static final class Merge implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "merge.json")
    Path config;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "local scratch")
    Path workDir;

    @Override
    public Integer call() {
      return new MergeRun(
              System.getenv(), workDir != null ? workDir : defaultWorkDir(), termination())
          .run(config);
    }
  }

  @Command(
      name = "eval",
      mixinStandardHelpOptions = true,
      description =
          "Score a candidate adapter, optionally a stable one, and the base model on a JSONL"
              + " dataset (and a safety probe), print a table, write the JSON result, and gate."
              + " Exit 0 = passed, 3 = a gate failed, 2 = bad input, 1 = transient failure.")
  static final class Eval implements Callable<Integer> {
    @Mixin EvalOptions options;

    @Override
    public Integer call() {
      return options.run(System.out, termination());
    }
  }
}
