package io.lorafleet.operator.loraadapter.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.api.v1alpha1.loraadapter.CanaryDecision;
import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.CanaryStep;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The step rules, decided from the spec and status.rollout alone. */
class CanaryStepsTest {
  private static final String CANARY = "sha256:" + "c".repeat(64);
  private static final Instant START = Instant.parse("2026-12-07T10:00:00Z");
  private static final Supplier<AnalysisVerdict> NO_ANALYSIS =
      () -> {
        throw new AssertionError("no analysis on this step");
      };

  private static RolloutStatus at(int step) {
    return new RolloutStatus(
        RolloutPhase.Progressing,
        "sha256:" + "a".repeat(64),
        CANARY,
        step,
        10,
        null,
        START.toString(),
        null,
        null,
        null);
  }

  private static CanarySpec spec(CanaryDecision decision, CanaryStep... steps) {
    return new CanarySpec(List.of(steps), null, null, null, decision);
  }

  @Test
  void aPauseHoldsUntilItsEndCountedFromTheStoredStepStart() {
    CanarySpec spec =
        spec(null, new CanaryStep(10, "1h30m", null), new CanaryStep(100, null, null));
    StepOutcome held = CanarySteps.current(spec, at(0), START.plusSeconds(60), NO_ANALYSIS);
    assertThat(held.kind()).isEqualTo(StepOutcome.Kind.HOLD);
    assertThat(held.recheckAfter()).isEqualTo(Duration.ofMinutes(89));
    assertThat(
            CanarySteps.current(spec, at(0), START.plus(Duration.ofMinutes(90)), NO_ANALYSIS)
                .kind())
        .isEqualTo(StepOutcome.Kind.ADVANCE);
  }

  @Test
  void aStepWithoutPauseOrAnalysisWaitsForAPersonButTheLastPromotes() {
    CanarySpec spec = spec(null, new CanaryStep(10, null, null), new CanaryStep(100, null, null));
    StepOutcome waiting = CanarySteps.current(spec, at(0), START, NO_ANALYSIS);
    assertThat(waiting.kind()).isEqualTo(StepOutcome.Kind.WAIT_FOR_PERSON);
    assertThat(waiting.message()).contains("Continue with step 0").contains(CANARY);
    assertThat(CanarySteps.current(spec, at(1), START, NO_ANALYSIS).kind())
        .isEqualTo(StepOutcome.Kind.PROMOTE);
  }

  @Test
  void aDecisionActsOnlyOnTheDigestAndStepItNames() {
    CanaryStep[] steps = {
      new CanaryStep(10, null, null),
      new CanaryStep(50, null, null),
      new CanaryStep(100, null, null)
    };
    String other = "sha256:" + "b".repeat(64);
    assertThat(
            CanarySteps.current(
                    spec(new CanaryDecision(other, CanaryDecision.Action.Abort, null), steps),
                    at(0),
                    START,
                    NO_ANALYSIS)
                .kind())
        .isEqualTo(StepOutcome.Kind.WAIT_FOR_PERSON);
    assertThat(
            CanarySteps.current(
                    spec(new CanaryDecision(CANARY, CanaryDecision.Action.Continue, 0), steps),
                    at(1),
                    START,
                    NO_ANALYSIS)
                .kind())
        .as("a Continue of step 0 does not release step 1")
        .isEqualTo(StepOutcome.Kind.WAIT_FOR_PERSON);
    assertThat(
            CanarySteps.current(
                    spec(new CanaryDecision(CANARY, CanaryDecision.Action.Continue, 1), steps),
                    at(1),
                    START,
                    NO_ANALYSIS)
                .kind())
        .isEqualTo(StepOutcome.Kind.ADVANCE);
    assertThat(
            CanarySteps.current(
                    spec(new CanaryDecision(CANARY, CanaryDecision.Action.Promote, null), steps),
                    at(0),
                    START,
                    NO_ANALYSIS)
                .kind())
        .isEqualTo(StepOutcome.Kind.PROMOTE);
    StepOutcome aborted =
        CanarySteps.current(
            spec(new CanaryDecision(CANARY, CanaryDecision.Action.Abort, null), steps),
            at(0),
            START,
            NO_ANALYSIS);
    assertThat(aborted.kind()).isEqualTo(StepOutcome.Kind.ROLL_BACK);
    assertThat(aborted.message()).contains("aborted");
  }

  @Test
  void anAnalysisStepRunsAfterItsPauseAndFollowsTheVerdict() {
    CanarySpec spec = spec(null, new CanaryStep(10, "10s", true), new CanaryStep(100, null, null));
    assertThat(CanarySteps.current(spec, at(0), START.plusSeconds(5), NO_ANALYSIS).kind())
        .isEqualTo(StepOutcome.Kind.HOLD);
    Instant later = START.plusSeconds(11);
    assertThat(
            CanarySteps.current(
                    spec,
                    at(0),
                    later,
                    () -> AnalysisVerdict.waiting("waits for 100 canary requests", null))
                .kind())
        .isEqualTo(StepOutcome.Kind.HOLD);
    assertThat(
            CanarySteps.current(
                    spec,
                    at(0),
                    later,
                    () -> new AnalysisVerdict(AnalysisVerdict.Outcome.FAILED, null, "errorRate"))
                .kind())
        .isEqualTo(StepOutcome.Kind.ROLL_BACK);
    assertThat(
            CanarySteps.current(
                    spec,
                    at(0),
                    later,
                    () -> new AnalysisVerdict(AnalysisVerdict.Outcome.PASSED, null, "ok"))
                .kind())
        .isEqualTo(StepOutcome.Kind.ADVANCE);
  }

  @Test
  void pausesAreGoDurationsAndOthersAreNamedPrecisely() {
    assertThat(GoDurations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDurations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(GoDurations.parse("1.5m")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GoDurations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> CanarySteps.pause(new CanaryStep(10, "5 minutes", null), 2))
        .hasMessageContaining("spec.rollout.canary.steps[2].pause")
        .hasMessageContaining("'5 minutes' is not a duration");
    assertThatThrownBy(() -> GoDurations.parse("5")).hasMessageContaining("not a duration");
  }
}
