package io.lorafleet.operator.loraadapter.rollout;

import io.lorafleet.api.v1alpha1.loraadapter.OnlineAnalysisSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus.RolloutCheck;
import io.lorafleet.serving.router.RolloutTraffic;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Judges one step's canary against stable from the routers' merged counts: once the canary has
 * served {@code minRequests}, its error rate may exceed stable's by at most {@code
 * maxErrorRateIncrease} and its TTFT p95 by at most the fraction {@code maxTtftP95Increase}.
 */
public final class OnlineAnalysis {
  static final int DEFAULT_MIN_REQUESTS = 100;
  static final double DEFAULT_MAX_ERROR_RATE_INCREASE = 0.01;
  static final double DEFAULT_MAX_TTFT_P95_INCREASE = 0.2;

  private OnlineAnalysis() {}

  public static AnalysisVerdict judge(OnlineAnalysisSpec spec, RolloutTraffic traffic) {
    int minRequests =
        spec == null || spec.minRequests() == null ? DEFAULT_MIN_REQUESTS : spec.minRequests();
    double maxError =
        spec == null || spec.maxErrorRateIncrease() == null
            ? DEFAULT_MAX_ERROR_RATE_INCREASE
            : spec.maxErrorRateIncrease();
    double maxTtft =
        spec == null || spec.maxTtftP95Increase() == null
            ? DEFAULT_MAX_TTFT_P95_INCREASE
            : spec.maxTtftP95Increase();
    RolloutTraffic.VersionTraffic canary = traffic.canary();
    RolloutTraffic.VersionTraffic stable = traffic.stable();
    List<RolloutCheck> checks = new ArrayList<>();
    boolean enough = canary.requests() >= minRequests;
    checks.add(
        new RolloutCheck(
            "canaryRequests",
            "stable",
            (double) canary.requests(),
            (double) stable.requests(),
            (double) minRequests,
            enough));
    if (!enough) {
      return AnalysisVerdict.waiting(
          "online analysis waits for " + minRequests + " canary requests, has " + canary.requests(),
          checks);
    }
    double errorLimit = stable.errorRate() + maxError;
    boolean errorsOk = canary.errorRate() <= errorLimit;
    checks.add(
        new RolloutCheck(
            "errorRate", "stable", canary.errorRate(), stable.errorRate(), errorLimit, errorsOk));
    List<String> failed = new ArrayList<>();
    if (!errorsOk) {
      failed.add(
          String.format(
              Locale.ROOT,
              "errorRate %.4f > limit %.4f (stable %.4f, %d/%d canary requests failed)",
              canary.errorRate(),
              errorLimit,
              stable.errorRate(),
              canary.failures(),
              canary.requests()));
    }
    Double canaryP95 = canary.ttftP95Ms();
    Double stableP95 = stable.ttftP95Ms();
    // Without a stable measurement there is nothing to compare with; without a canary one its
    // requests all failed, which the error rate judges.
    if (canaryP95 != null && stableP95 != null) {
      double ttftLimit = stableP95 * (1 + maxTtft);
      boolean ttftOk = canaryP95 <= ttftLimit;
      checks.add(new RolloutCheck("ttftP95Ms", "stable", canaryP95, stableP95, ttftLimit, ttftOk));
      if (!ttftOk) {
        failed.add(
            String.format(
                Locale.ROOT,
                "ttftP95Ms %.0f > limit %.0f (stable %.0f)",
                canaryP95,
                ttftLimit,
                stableP95));
      }
    }
    if (!failed.isEmpty()) {
      return new AnalysisVerdict(
          AnalysisVerdict.Outcome.FAILED,
          checks,
          "online analysis failed at step " + traffic.step() + ": " + String.join("; ", failed));
    }
    return new AnalysisVerdict(
        AnalysisVerdict.Outcome.PASSED,
        checks,
        String.format(
            Locale.ROOT,
            "online analysis passed at step %d: errorRate %.4f (stable %.4f) over %d requests",
            traffic.step(),
            canary.errorRate(),
            stable.errorRate(),
            canary.requests()));
  }
}
