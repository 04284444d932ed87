package io.lorafleet.operator.loraadapter.evaluation;

import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus.RolloutCheck;
import java.util.List;
import java.util.Locale;

/**
 * Where the evaluation of one candidate stands: still running, passed, failed a gate, could not run
 * (Invalid: bad input, not retried), or its Job failed without a verdict (transient failures past
 * the Job's retries, an OOM kill); with the gates as rollout checks and a message with the numbers.
 */
public record EvaluationOutcome(Kind kind, List<RolloutCheck> checks, String message) {
  public enum Kind {
    RUNNING,
    PASSED,
    FAILED,
    INVALID,
    JOB_FAILED
  }

  public static EvaluationOutcome running(String message) {
    return new EvaluationOutcome(Kind.RUNNING, List.of(), message);
  }

  /** The evaluation cannot run at all (no Job is made): bad input the operator sees itself. */
  public static EvaluationOutcome invalid(String message) {
    return new EvaluationOutcome(Kind.INVALID, List.of(), message);
  }

  public static EvaluationOutcome jobFailed(String message) {
    return new EvaluationOutcome(Kind.JOB_FAILED, List.of(), message);
  }

  /** The verdict of a finished Job of {@code jobName}. */
  public static EvaluationOutcome of(EvalVerdict verdict, String jobName) {
    List<RolloutCheck> checks =
        verdict.gates() == null ? List.of() : verdict.gates().stream().map(g -> check(g)).toList();
    return switch (verdict.outcome()) {
      case Passed ->
          new EvaluationOutcome(
              Kind.PASSED, checks, "the evaluation passed (" + describe(verdict.gates()) + ")");
      case Failed ->
          new EvaluationOutcome(
              Kind.FAILED,
              checks,
              "the evaluation gate failed: "
                  + describe(verdict.failedGates())
                  + " (Job "
                  + jobName
                  + ")");
      case Invalid ->
          new EvaluationOutcome(
              Kind.INVALID,
              checks,
              "the evaluation could not run: "
                  + verdict.reason()
                  + ": "
                  + verdict.message()
                  + " (Job "
                  + jobName
                  + ")");
    };
  }

  private static RolloutCheck check(EvalVerdict.Gate g) {
    return new RolloutCheck(
        g.name(), g.against(), g.candidate(), g.reference(), g.limit(), g.passed());
  }

  /** "lossVsStable 2.1043 (stable 0.0312, limit 0.0328)", joined by "; ". */
  static String describe(List<EvalVerdict.Gate> gates) {
    if (gates == null || gates.isEmpty()) {
      return "no gates";
    }
    return String.join(
        "; ",
        gates.stream()
            .map(
                g ->
                    String.format(
                        Locale.ROOT,
                        "%s %.4f (%s %.4f, limit %.4f)",
                        g.name(),
                        g.candidate(),
                        g.against(),
                        g.reference(),
                        g.limit()))
            .toList());
  }
}
