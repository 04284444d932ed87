package io.lorafleet.operator.loraadapter.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.api.v1alpha1.loraadapter.CanaryDecision;
import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.CanaryStep;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutEvaluationSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.operator.loraadapter.rollout.RolloutTransitions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every branch of the evaluation phase, and that a decision settles it without asking the gate. */
class EvaluationStepsTest {
  private static final String CANARY = "sha256:" + "c".repeat(64);
  private static final RolloutEvaluationSpec GATE =
      GateSpecs.gate("s3://datasets/eval", null, null, "datasets");
  private static final RolloutStatus EVALUATING =
      RolloutTransitions.evaluating(
          "sha256:" + "a".repeat(64), "s3://b/v1", CANARY, "s3://b/v2", "evaluating");

  private final AtomicInteger observed = new AtomicInteger();

  @Test
  void aPromoteDecisionSkipsTheGateAndDropsItsJob() {
    EvaluationSteps.Next next = next(spec(GATE, CanaryDecision.Action.Promote), passed());
    assertThat(next.kind()).isEqualTo(EvaluationSteps.Kind.PROGRESS);
    assertThat(next.status().stableDigest())
        .as("promoting: the canary is the new stable")
        .isEqualTo(CANARY);
    assertThat(next.deleteJobs()).isTrue();
    assertThat(next.event()).isEqualTo("Promoting");
    assertThat(observed).hasValue(0);
  }

  @Test
  void anAbortDecisionRollsBackAndDropsItsJob() {
    EvaluationSteps.Next next = next(spec(GATE, CanaryDecision.Action.Abort), passed());
    assertThat(next.kind()).isEqualTo(EvaluationSteps.Kind.ROLL_BACK);
    assertThat(next.status().phase()).isEqualTo(RolloutPhase.RolledBack);
    assertThat(next.deleteJobs()).isTrue();
    assertThat(next.warning()).isTrue();
    assertThat(observed).hasValue(0);
  }

  @Test
  void aDecisionAboutAnotherDigestIsIgnored() {
    CanarySpec spec =
        new CanarySpec(
            steps(),
            null,
            GATE,
            null,
            new CanaryDecision("sha256:" + "d".repeat(64), CanaryDecision.Action.Abort, null));
    EvaluationSteps.Next next = next(spec, running());
    assertThat(next.kind()).isEqualTo(EvaluationSteps.Kind.WAIT);
    assertThat(next.status().phase()).isEqualTo(RolloutPhase.Evaluating);
    assertThat(next.event()).isNull();
    assertThat(observed).hasValue(1);
  }

  @Test
  void removingTheEvaluationSkipsTheGate() {
    EvaluationSteps.Next next = next(spec(null, null), running());
    assertThat(next.kind()).isEqualTo(EvaluationSteps.Kind.PROGRESS);
    assertThat(next.status().message()).contains("the gate is skipped");
    assertThat(observed).hasValue(0);
  }

  @Test
  void aPassStartsTheStepsAndAFailureOrAFailedJobRollsBack() {
    assertThat(next(spec(GATE, null), passed()).kind()).isEqualTo(EvaluationSteps.Kind.PROGRESS);
    EvaluationSteps.Next failed =
        next(
            spec(GATE, null),
            () ->
                new EvaluationOutcome(
                    EvaluationOutcome.Kind.FAILED, List.of(), "loss 4.31 > 0.35"));
    assertThat(failed.kind()).isEqualTo(EvaluationSteps.Kind.ROLL_BACK);
    assertThat(failed.status().message()).contains("loss 4.31 > 0.35");
    assertThat(failed.deleteJobs()).as("its Job stays, with the verdict in it").isFalse();
    assertThat(next(spec(GATE, null), () -> EvaluationOutcome.jobFailed("OOMKilled")).kind())
        .isEqualTo(EvaluationSteps.Kind.ROLL_BACK);
  }

  private EvaluationSteps.Next next(CanarySpec spec, Supplier<EvaluationOutcome> outcome) {
    return EvaluationSteps.next(
        spec,
        EVALUATING,
        "tone@canary",
        () -> {
          observed.incrementAndGet();
          return outcome.get();
        });
  }

  private static Supplier<EvaluationOutcome> passed() {
    return () -> new EvaluationOutcome(EvaluationOutcome.Kind.PASSED, List.of(), "passed");
  }

  private static Supplier<EvaluationOutcome> running() {
    return () -> EvaluationOutcome.running("the Job runs");
  }

  private static CanarySpec spec(RolloutEvaluationSpec gate, CanaryDecision.Action action) {
    return new CanarySpec(
        steps(),
        null,
        gate,
        null,
        action == null ? null : new CanaryDecision(CANARY, action, null));
  }

  private static List<CanaryStep> steps() {
    return List.of(new CanaryStep(10, "5m", null), new CanaryStep(100, null, null));
  }
}
