package io.lorafleet.operator.loraadapter.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus.RolloutCheck;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each transition changes what it names and carries the digests and version directories over. */
class RolloutTransitionsTest {
  private static final String STABLE = "sha256:aa";
  private static final String CANARY = "sha256:bb";
  private static final String STABLE_AT = "s3://adapters/tone/sha256-aa";
  private static final String CANARY_AT = "s3://adapters/tone/sha256-bb";
  private static final Instant NOW = Instant.parse("2026-12-07T14:00:00Z");
  private static final List<RolloutCheck> CHECKS =
      List.of(new RolloutCheck("errorRate", "stable", 0.5, 0.0, 0.01, false));

  private static RolloutStatus atStep1() {
    return RolloutTransitions.entered(
        RolloutTransitions.started(STABLE, STABLE_AT, CANARY, CANARY_AT, "loading"),
        1,
        50,
        NOW,
        List.of(),
        "paused 5s");
  }

  @Test
  void aStartedRolloutWaitsBeforeItsFirstStep() {
    RolloutStatus started =
        RolloutTransitions.started(STABLE, STABLE_AT, CANARY, CANARY_AT, "loading");
    assertThat(started.phase()).isEqualTo(RolloutPhase.Progressing);
    assertThat(started.step()).isZero();
    assertThat(started.weight()).isZero();
    assertThat(started.stepStartedAt()).as("not yet a step").isNull();
    assertThat(started.canaryVersion()).isEqualTo(CANARY_AT);
  }

  @Test
  void enteringAStepSetsItsWeightAndStartAndLeavesNoEmptyChecks() {
    RolloutStatus step = atStep1();
    assertThat(step.step()).isEqualTo(1);
    assertThat(step.weight()).isEqualTo(50);
    assertThat(step.stepStartedAt()).isEqualTo(NOW.toString());
    assertThat(step.checks()).as("[] is written as absent").isNull();
    assertThat(step.message()).isEqualTo("step 1 began (paused 5s)");
    assertThat(step.stableDigest()).isEqualTo(STABLE);
    assertThat(step.stableVersion()).isEqualTo(STABLE_AT);
  }

  @Test
  void holdingKeepsTheStepAndItsStart() {
    RolloutStatus held =
        RolloutTransitions.held(atStep1(), RolloutPhase.Paused, CHECKS, "waits for a person");
    assertThat(held.phase()).isEqualTo(RolloutPhase.Paused);
    assertThat(held.step()).isEqualTo(1);
    assertThat(held.weight()).isEqualTo(50);
    assertThat(held.stepStartedAt()).isEqualTo(NOW.toString());
    assertThat(held.checks()).isEqualTo(CHECKS);
  }

  @Test
  void promotingMakesTheCanaryTheStableVersionThenPromotedStopsTheSplit() {
    RolloutStatus promoting = RolloutTransitions.promoting(atStep1(), CHECKS, "analysis passed");
    assertThat(promoting.phase()).isEqualTo(RolloutPhase.Progressing);
    assertThat(promoting.stableDigest()).isEqualTo(CANARY);
    assertThat(promoting.canaryDigest()).isEqualTo(CANARY);
    assertThat(promoting.stableVersion()).isEqualTo(CANARY_AT);
    assertThat(promoting.weight()).isEqualTo(100);
    RolloutStatus promoted = RolloutTransitions.promoted(promoting, "tone");
    assertThat(promoted.phase()).isEqualTo(RolloutPhase.Promoted);
    assertThat(promoted.weight()).isEqualTo(100);
    assertThat(promoted.checks()).isEqualTo(CHECKS);
    assertThat(promoted.message()).isEqualTo(CANARY + " promoted: it serves all traffic as tone");
  }

  @Test
  void aRollbackSendsNothingToTheCanaryAndKeepsStable() {
    RolloutStatus back = RolloutTransitions.rolledBack(atStep1(), CHECKS, "aborted");
    assertThat(back.phase()).isEqualTo(RolloutPhase.RolledBack);
    assertThat(back.weight()).isZero();
    assertThat(back.step()).isEqualTo(1);
    assertThat(back.stableDigest()).isEqualTo(STABLE);
    assertThat(back.canaryDigest()).isEqualTo(CANARY);
    assertThat(back.message()).isEqualTo(CANARY + " rolled back, " + STABLE + " serves: aborted");
  }
}
