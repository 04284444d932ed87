package io.lorafleet.operator.loraadapter.evaluation;

import io.lorafleet.api.v1alpha1.loraadapter.CanaryDecision;
import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.operator.loraadapter.rollout.RolloutTransitions;
import java.util.function.Supplier;

/**
 * What the evaluation phase of a rollout does next, decided from the spec, the stored rollout and
 * (only when no decision or spec change settles it) the gate's outcome: a pure function, so every
 * branch is testable without a cluster. A decision pinned to the candidate acts at once (Abort
 * rolls back, Promote skips the gate); removing {@code evaluation} skips the gate.
 */
public final class EvaluationSteps {
  private EvaluationSteps() {}

  /** Where the rollout goes: on to the canary's steps or promotion, back to stable, or waiting. */
  public enum Kind {
    PROGRESS,
    ROLL_BACK,
    WAIT
  }

  /**
   * The next rollout status; {@code event} (a reason, with {@code warning}) is null when nothing is
   * to be recorded; {@code deleteJobs}: the evaluation's Job has no use any more.
   */
  public record Next(
      Kind kind, RolloutStatus status, String event, boolean warning, boolean deleteJobs) {}

  public static Next next(
      CanarySpec canary,
      RolloutStatus rollout,
      String canaryName,
      Supplier<EvaluationOutcome> observe) {
    CanaryDecision decision = canary.decision();
    boolean decided = decision != null && decision.digest().equals(rollout.canaryDigest());
    if (decided && decision.action() == CanaryDecision.Action.Promote) {
      RolloutStatus promoting =
          RolloutTransitions.promoting(
              rollout,
              rollout.checks(),
              "promoted by spec.rollout.canary.decision during the evaluation: the gate is"
                  + " skipped");
      return new Next(Kind.PROGRESS, promoting, "Promoting", false, true);
    }
    if (decided && decision.action() == CanaryDecision.Action.Abort) {
      RolloutStatus back =
          RolloutTransitions.rolledBack(
              rollout,
              rollout.checks(),
              "aborted by spec.rollout.canary.decision during the evaluation");
      return new Next(Kind.ROLL_BACK, back, "RolledBack", true, true);
    }
    if (canary.evaluation() == null) {
      RolloutStatus started =
          RolloutTransitions.evaluated(
              rollout,
              rollout.checks(),
              "spec.rollout.canary.evaluation was removed: the gate is skipped; loading the"
                  + " canary as "
                  + canaryName);
      return new Next(Kind.PROGRESS, started, "CanaryStarted", false, false);
    }
    EvaluationOutcome outcome = observe.get();
    return switch (outcome.kind()) {
      case PASSED ->
          new Next(
              Kind.PROGRESS,
              RolloutTransitions.evaluated(
                  rollout,
                  outcome.checks(),
                  outcome.message() + "; loading the canary as " + canaryName),
              "EvaluationPassed",
              false,
              false);
      case FAILED, INVALID, JOB_FAILED ->
          new Next(
              Kind.ROLL_BACK,
              RolloutTransitions.rolledBack(rollout, outcome.checks(), outcome.message()),
              "RolledBack",
              true,
              false);
      case RUNNING ->
          new Next(
              Kind.WAIT,
              RolloutTransitions.stillEvaluating(rollout, outcome.message()),
              null,
              false,
              false);
    };
  }
}
