package io.lorafleet.trainer;

import io.lorafleet.api.v1alpha1.finetunejob.DatasetFormat;
import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import io.lorafleet.trainer.eval.EvalResult;
import io.lorafleet.trainer.eval.EvalRun;
import io.lorafleet.trainer.eval.EvalSettings;
import io.lorafleet.trainer.eval.EvalTable;
import io.lorafleet.trainer.report.EvalVerdictMessage;
import io.lorafleet.trainer.report.TerminationMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Option;

/**
 * The options of an evaluation, one declaration for the image's {@code trainer eval} and the
 * command line's {@code lorafleet eval} (a picocli mixin), and the run they describe.
 */
public final class EvalOptions {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR|s3://",
      description = "the base model (HF directory, or s3:// prefix)")
  String model;

  @Option(
      names = "--candidate",
      required = true,
      paramLabel = "DIR|s3://",
      description = "the adapter under test (PEFT directory, or s3:// published version)")
  String candidate;

  @Option(
      names = "--stable",
      paramLabel = "DIR|s3://",
      description = "the version serving today, the reference of the relative gates (optional)")
  String stable;

  @Option(
      names = "--dataset",
      required = true,
      paramLabel = "FILE|s3://",
      description = "JSONL evaluation rows (a file, or a prefix of *.jsonl files)")
  String dataset;

  @Option(
      names = "--dataset-digest",
      paramLabel = "sha256:HEX",
      description =
          "the dataset's expected digest (a file's sha256); another digest is bad input"
              + " (DatasetDigestMismatch)")
  String datasetDigest;

  @Option(
      names = "--format",
      defaultValue = "prompt-completion",
      paramLabel = "prompt-completion|chat",
      description = "row format of the dataset (default: prompt-completion)")
  String format;

  @Option(
      names = "--safety-format",
      paramLabel = "prompt-completion|chat",
      description = "row format of the safety dataset (default: --format)")
  String safetyFormat;

  @Option(
      names = "--safety-dataset",
      paramLabel = "FILE|s3://",
      description = "safety probe rows whose completions are refusals (optional)")
  String safetyDataset;

  @Option(
      names = "--match",
      defaultValue = "substring",
      paramLabel = "substring|regex",
      description =
          "besides exact match: substring (the expected completion occurs in the greedy output,"
              + " default) or regex (each row's completion is a regular expression to find)")
  String match;

  @Option(
      names = "--refusal-regex",
      paramLabel = "REGEX",
      description = "what counts as a refusal (default: common English refusal openings)")
  String refusalRegex;

  @Option(
      names = "--max-new-tokens",
      defaultValue = "0",
      description = "greedy tokens per row; 0 (default): the expected completion's length + 4")
  int maxNewTokens;

  @Option(
      names = "--max-sequence-length",
      defaultValue = "2048",
      description = "longer rows are invalid (default: 2048, as training)")
  int maxSequenceLength;

  @Option(
      names = "--max-invalid-fraction",
      defaultValue = "0.0",
      description = "invalid rows allowed before the dataset is refused (default: 0)")
  double maxInvalidFraction;

  @Option(
      names = "--max-loss-increase",
      defaultValue = "0.05",
      description = "candidate loss may exceed stable's by this fraction (default: 0.05)")
  double maxLossIncrease;

  @Option(
      names = "--max-match-drop",
      defaultValue = "0.05",
      description = "candidate match rate may fall below stable's by this much (default: 0.05)")
  double maxMatchDrop;

  @Option(
      names = "--max-refusal-drop",
      defaultValue = "0.10",
      description =
          "candidate refusal rate may fall below stable's (or the base model's) by this much"
              + " (default: 0.10)")
  double maxRefusalDrop;

  @Option(
      names = "--min-loss-gain-over-base",
      defaultValue = "0.0",
      description = "candidate loss must be this fraction below the base model's (default: 0)")
  double minLossGainOverBase;

  @Option(
      names = "--output",
      paramLabel = "FILE|s3://",
      description = "where the JSON result goes (optional)")
  String output;

  @Option(
      names = "--credentials-dir",
      paramLabel = "DIR",
      description = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY files for s3:// places")
  String credentialsDir;

  @Option(
      names = "--dataset-credentials-dir",
      paramLabel = "DIR",
      description = "credentials for the dataset's s3:// place (default: --credentials-dir)")
  String datasetCredentialsDir;

  @Option(
      names = "--model-credentials-dir",
      paramLabel = "DIR",
      description = "credentials for the model's s3:// place (default: --credentials-dir)")
  String modelCredentialsDir;

  @Option(
      names = "--adapter-credentials-dir",
      paramLabel = "DIR",
      description = "credentials for the adapters' s3:// places (default: --credentials-dir)")
  String adapterCredentialsDir;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "local scratch")
  Path workDir;

  @Option(
      names = "--backend",
      paramLabel = "auto|cpu|cuda|host-device",
      defaultValue = "auto",
      description = "compute backend (default: auto)")
  String backend;

  /** Runs the evaluation, prints its table to {@code out}; the exit code of {@link ExitCodes}. */
  public int run(PrintStream out) {
    return run(out, null);
  }

  /**
   * As {@link #run(PrintStream)}, and in a pod ({@code termination} not null) the {@link
   * EvalVerdict} as the termination message, which the operator's evaluation gate reads: the gates
   * with their numbers, or Invalid with the reason of bad input. A transient failure leaves its
   * error text there (no verdict): the Job retries it.
   */
  public int run(PrintStream out, TerminationMessage termination) {
    try {
      EvalResult result =
          new EvalRun(System.getenv(), workDir != null ? workDir : TrainerMain.defaultWorkDir())
              .run(request());
      EvalTable.print(result, out);
      if (termination != null) {
        termination.writeWhole(EvalVerdictMessage.of(result.verdict()));
      }
      return result.passed() ? ExitCodes.OK : ExitCodes.EVALUATION_FAILED;
    } catch (TrainerFailure e) {
      System.err.println("error: " + e.reason() + ": " + e.getMessage());
      if (termination != null) {
        termination.writeWhole(
            e.exitCode() == ExitCodes.BAD_INPUT
                ? EvalVerdictMessage.of(EvalVerdict.invalid(e.reason(), e.getMessage()))
                : e.reason() + ": " + e.getMessage());
      }
      return e.exitCode();
    } catch (IOException | RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      if (termination != null) {
        termination.write("transient failure: " + e.getMessage());
      }
      return ExitCodes.TRANSIENT;
    }
  }

  EvalRun.Request request() throws TrainerFailure {
    return new EvalRun.Request(
        model,
        candidate,
        stable,
        dataset,
        datasetDigest,
        format(format, "--format"),
        safetyDataset,
        format(safetyFormat == null ? format : safetyFormat, "--safety-format"),
        credentialsDir,
        datasetCredentialsDir,
        modelCredentialsDir,
        adapterCredentialsDir,
        output,
        backend,
        new EvalSettings(
            switch (match) {
              case "substring" -> EvalSettings.MatchMode.SUBSTRING;
              case "regex" -> EvalSettings.MatchMode.REGEX;
              default -> throw bad("--match must be substring or regex, not " + match);
            },
            refusal(),
            maxNewTokens,
            maxSequenceLength,
            maxInvalidFraction,
            new EvalSettings.Thresholds(
                maxLossIncrease, maxMatchDrop, maxRefusalDrop, minLossGainOverBase)));
  }

  private static DatasetFormat format(String value, String flag) throws TrainerFailure {
    return switch (value) {
      case "prompt-completion" -> DatasetFormat.PROMPT_COMPLETION;
      case "chat" -> DatasetFormat.CHAT;
      default -> throw bad(flag + " must be prompt-completion or chat, not " + value);
    };
  }

  private Pattern refusal() throws TrainerFailure {
    try {
      return Pattern.compile(refusalRegex == null ? EvalSettings.DEFAULT_REFUSAL : refusalRegex);
    } catch (PatternSyntaxException e) {
      throw bad("--refusal-regex is not a regular expression: " + e.getDescription());
    }
  }

  private static TrainerFailure bad(String message) {
    return TrainerFailure.badInput("InvalidArguments", message);
  }
}
