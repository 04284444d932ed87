package io.lorafleet.operator.loraadapter.rollout;

import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus.RolloutCheck;
import java.util.List;

/**
 * What the online analysis concluded for one step: pass, fail, or wait (too few canary requests, or
 * a router that did not answer), with the checks and their numbers.
 */
public record AnalysisVerdict(Outcome outcome, List<RolloutCheck> checks, String summary) {
  public enum Outcome {
    PASSED,
    FAILED,
    WAITING
  }

  public static AnalysisVerdict waiting(String why, List<RolloutCheck> checks) {
    return new AnalysisVerdict(Outcome.WAITING, checks, why);
  }
}
