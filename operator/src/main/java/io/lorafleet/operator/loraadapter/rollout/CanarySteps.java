package io.lorafleet.operator.loraadapter.rollout;

import io.lorafleet.api.v1alpha1.loraadapter.CanaryDecision;
import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.CanaryStep;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Decides, from the spec and status.rollout alone (so an operator restart changes nothing), what
 * the current step of a running canary calls for:
 *
 * <ol>
 *   <li>a decision pinned to the canary's digest wins: Promote, Abort, or Continue of this step;
 *   <li>a step with a pause holds until {@code stepStartedAt + pause};
 *   <li>then a step with analysis waits for the routers' verdict: pass moves on, fail rolls back;
 *   <li>a step with neither waits for a person (Paused), except the last (weight 100), which
 *       promotes;
 *   <li>leaving the last step promotes.
 * </ol>
 */
public final class CanarySteps {
  /** How often a held step is looked at again while the routers count requests. */
  static final Duration ANALYSIS_RECHECK = Duration.ofSeconds(5);

  private CanarySteps() {}

  /** The pause of a step; InvalidDurationException names the step when it is not a duration. */
  public static Duration pause(CanaryStep step, int index) {
    try {
      return step.pause() == null ? null : GoDurations.parse(step.pause());
    } catch (InvalidDurationException e) {
      throw new InvalidDurationException(
          "spec.rollout.canary.steps[" + index + "].pause: " + e.getMessage());
    }
  }

  public static StepOutcome current(
      CanarySpec spec, RolloutStatus rollout, Instant now, Supplier<AnalysisVerdict> analysis) {
    int index = rollout.step();
    CanaryStep step = spec.steps().get(index);
    boolean last = index == spec.steps().size() - 1;
    CanaryDecision decision = spec.decision();
    if (decision != null && decision.digest().equals(rollout.canaryDigest())) {
      switch (decision.action()) {
        case Promote -> {
          return StepOutcome.of(
              StepOutcome.Kind.PROMOTE,
              rollout.checks(),
              "promoted by spec.rollout.canary.decision at step " + index);
        }
        case Abort -> {
          return StepOutcome.of(
              StepOutcome.Kind.ROLL_BACK,
              rollout.checks(),
              "aborted by spec.rollout.canary.decision at step "
                  + index
                  + " (weight "
                  + rollout.weight()
                  + ")");
        }
        case Continue -> {
          if (decision.step() != null && decision.step() == index) {
            return StepOutcome.of(
                last ? StepOutcome.Kind.PROMOTE : StepOutcome.Kind.ADVANCE,
                rollout.checks(),
                "step " + index + " continued by spec.rollout.canary.decision");
          }
        }
      }
    }
    Duration pause = pause(step, index);
    if (pause != null) {
      Instant until = Instant.parse(rollout.stepStartedAt()).plus(pause);
      if (now.isBefore(until)) {
        return new StepOutcome(
            StepOutcome.Kind.HOLD,
            Duration.between(now, until),
            rollout.checks(),
            "step " + index + " pauses until " + until);
      }
    }
    if (Boolean.TRUE.equals(step.analysis())) {
      AnalysisVerdict verdict = analysis.get();
      return switch (verdict.outcome()) {
        case WAITING ->
            new StepOutcome(
                StepOutcome.Kind.HOLD, ANALYSIS_RECHECK, verdict.checks(), verdict.summary());
        case FAILED ->
            StepOutcome.of(StepOutcome.Kind.ROLL_BACK, verdict.checks(), verdict.summary());
        case PASSED ->
            StepOutcome.of(
                last ? StepOutcome.Kind.PROMOTE : StepOutcome.Kind.ADVANCE,
                verdict.checks(),
                verdict.summary());
      };
    }
    if (pause == null && !last) {
      return StepOutcome.of(
          StepOutcome.Kind.WAIT_FOR_PERSON,
          rollout.checks(),
          "step "
              + index
              + " has neither pause nor analysis: it waits for spec.rollout.canary.decision"
              + " (Continue with step "
              + index
              + ", Promote or Abort, digest "
              + rollout.canaryDigest()
              + ")");
    }
    return StepOutcome.of(
        last ? StepOutcome.Kind.PROMOTE : StepOutcome.Kind.ADVANCE,
        rollout.checks(),
        "step " + index + " done");
  }
}
