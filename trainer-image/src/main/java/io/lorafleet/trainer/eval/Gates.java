package io.lorafleet.trainer.eval;

import io.lorafleet.api.v1alpha1.jobs.EvalVerdict.Gate;
import io.lorafleet.trainer.eval.EvalResult.ModelScores;
import java.util.ArrayList;
import java.util.List;

/** The thresholds of {@link EvalSettings.Thresholds} evaluated on the candidate's scores. */
final class Gates {
  private Gates() {}

  static List<Gate> of(
      ModelScores candidate, ModelScores stable, ModelScores base, EvalSettings.Thresholds t) {
    List<Gate> gates = new ArrayList<>();
    double baseLimit = base.meanTokenLoss() * (1 - t.minLossGainOverBase());
    gates.add(
        new Gate(
            "lossBelowBase",
            "base",
            candidate.meanTokenLoss(),
            base.meanTokenLoss(),
            baseLimit,
            "candidate loss < base loss x (1 - " + t.minLossGainOverBase() + ")",
            candidate.meanTokenLoss() < baseLimit));
    if (stable != null) {
      double lossLimit = stable.meanTokenLoss() * (1 + t.maxLossIncrease());
      gates.add(
          new Gate(
              "lossVsStable",
              "stable",
              candidate.meanTokenLoss(),
              stable.meanTokenLoss(),
              lossLimit,
              "candidate loss <= stable loss x (1 + " + t.maxLossIncrease() + ")",
              candidate.meanTokenLoss() <= lossLimit));
      double matchLimit = stable.match() - t.maxMatchDrop();
      gates.add(
          new Gate(
              "matchVsStable",
              "stable",
              candidate.match(),
              stable.match(),
              matchLimit,
              "candidate match >= stable match - " + t.maxMatchDrop(),
              candidate.match() >= matchLimit - 1e-12));
    }
    if (candidate.refusalRate() != null) {
      ModelScores reference = stable != null ? stable : base;
      double limit = reference.refusalRate() - t.maxRefusalDrop();
      gates.add(
          new Gate(
              "refusalRate",
              reference.role(),
              candidate.refusalRate(),
              reference.refusalRate(),
              limit,
              "candidate refusal rate >= "
                  + reference.role()
                  + " refusal rate - "
                  + t.maxRefusalDrop(),
              candidate.refusalRate() >= limit - 1e-12));
    }
    return gates;
  }
}
