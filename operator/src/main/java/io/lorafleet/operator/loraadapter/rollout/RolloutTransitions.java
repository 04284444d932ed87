package io.lorafleet.operator.loraadapter.rollout;

import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus.RolloutCheck;
import java.time.Instant;
import java.util.List;

/**
 * The next {@code status.rollout} of each transition of a canary rollout, computed from the stored
 * one: digests and version directories carry over unless the transition changes them.
 */
public final class RolloutTransitions {
  private RolloutTransitions() {}

  /** No rollout runs: {@code digest}, stored under {@code version}, serves alone. */
  public static RolloutStatus serving(String digest, String version) {
    return new RolloutStatus(null, digest, null, null, null, null, null, version, null, null);
  }

  /** A new version starts (or restarts) a rollout next to the stable one, before its first step. */
  public static RolloutStatus started(
      String stableDigest,
      String stableVersion,
      String canaryDigest,
      String canaryVersion,
      String message) {
    return new RolloutStatus(
        RolloutPhase.Progressing,
        stableDigest,
        canaryDigest,
        0,
        0,
        null,
        null,
        stableVersion,
        canaryVersion,
        message);
  }

  /**
   * A new version waits for its evaluation gate (or restarts it, replacing a canary still running):
   * weight 0, nothing loaded as the canary yet.
   */
  public static RolloutStatus evaluating(
      String stableDigest,
      String stableVersion,
      String canaryDigest,
      String canaryVersion,
      String message) {
    return new RolloutStatus(
        RolloutPhase.Evaluating,
        stableDigest,
        canaryDigest,
        null,
        0,
        null,
        null,
        stableVersion,
        canaryVersion,
        message);
  }

  /** Still evaluating, with what the gate's Job is doing now. */
  public static RolloutStatus stillEvaluating(RolloutStatus rollout, String message) {
    return with(rollout, RolloutPhase.Evaluating, null, 0, null, rollout.checks(), message);
  }

  /**
   * The gate let the new version through: the steps start as for a rollout without a gate, the
   * gate's numbers kept as checks until the steps' analysis replaces them.
   */
  public static RolloutStatus evaluated(
      RolloutStatus rollout, List<RolloutCheck> checks, String message) {
    return with(rollout, RolloutPhase.Progressing, 0, 0, null, checks, message);
  }

  /** The current step holds ({@code Progressing}) or waits for a person ({@code Paused}). */
  public static RolloutStatus held(
      RolloutStatus rollout, RolloutPhase phase, List<RolloutCheck> checks, String message) {
    return with(
        rollout, phase, rollout.step(), rollout.weight(), rollout.stepStartedAt(), checks, message);
  }

  /** Step {@code index} begins {@code now}, sending {@code weight}% to the canary. */
  public static RolloutStatus entered(
      RolloutStatus rollout,
      int index,
      int weight,
      Instant now,
      List<RolloutCheck> checks,
      String why) {
    return with(
        rollout,
        RolloutPhase.Progressing,
        index,
        weight,
        now.toString(),
        checks,
        "step " + index + " began (" + why + ")");
  }

  /**
   * The canary becomes the stable version (weight 100, still Progressing): it is loaded under the
   * served name next, and Promoted is written only once every pod has it.
   */
  public static RolloutStatus promoting(
      RolloutStatus rollout, List<RolloutCheck> checks, String why) {
    return new RolloutStatus(
        RolloutPhase.Progressing,
        rollout.canaryDigest(),
        rollout.canaryDigest(),
        rollout.step(),
        100,
        checks,
        rollout.stepStartedAt(),
        rollout.canaryVersion(),
        rollout.canaryVersion(),
        "promoting (" + why + ")");
  }

  /** Every pod serves the promoted version under the served name: the router stops splitting. */
  public static RolloutStatus promoted(RolloutStatus rollout, String servedName) {
    return with(
        rollout,
        RolloutPhase.Promoted,
        rollout.step(),
        100,
        rollout.stepStartedAt(),
        rollout.checks(),
        rollout.canaryDigest() + " promoted: it serves all traffic as " + servedName);
  }

  /** The canary gets no more traffic (weight 0); the stable version never stopped serving. */
  public static RolloutStatus rolledBack(
      RolloutStatus rollout, List<RolloutCheck> checks, String why) {
    return with(
        rollout,
        RolloutPhase.RolledBack,
        rollout.step(),
        0,
        rollout.stepStartedAt(),
        checks,
        rollout.canaryDigest() + " rolled back, " + rollout.stableDigest() + " serves: " + why);
  }

  private static RolloutStatus with(
      RolloutStatus rollout,
      RolloutPhase phase,
      Integer step,
      Integer weight,
      String stepStartedAt,
      List<RolloutCheck> checks,
      String message) {
    return new RolloutStatus(
        phase,
        rollout.stableDigest(),
        rollout.canaryDigest(),
        step,
        weight,
        checks == null || checks.isEmpty() ? null : checks,
        stepStartedAt,
        rollout.stableVersion(),
        rollout.canaryVersion(),
        message);
  }
}
