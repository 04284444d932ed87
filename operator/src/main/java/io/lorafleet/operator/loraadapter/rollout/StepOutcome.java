package io.lorafleet.operator.loraadapter.rollout;

import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus.RolloutCheck;
import java.time.Duration;
import java.util.List;

/**
 * What the current canary step calls for: hold (look again after {@code recheckAfter}), wait for a
 * person, move to the next step, promote, or roll back; with the analysis checks and why.
 */
public record StepOutcome(
    Kind kind, Duration recheckAfter, List<RolloutCheck> checks, String message) {
  public enum Kind {
    HOLD,
    WAIT_FOR_PERSON,
    ADVANCE,
    PROMOTE,
    ROLL_BACK
  }

  static StepOutcome of(Kind kind, List<RolloutCheck> checks, String message) {
    return new StepOutcome(kind, null, checks, message);
  }
}
