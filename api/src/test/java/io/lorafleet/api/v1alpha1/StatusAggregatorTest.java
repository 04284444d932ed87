package io.lorafleet.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelReason;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatus;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatusAggregator;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionStatus;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.LorafleetStatus;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobPhase;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobReason;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobStatus;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobStatusAggregator;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterReason;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatus;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatusAggregator;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyReason;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyStatus;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyStatusAggregator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The transition rules of the status aggregators and the readiness predicate. */
class StatusAggregatorTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final Instant T1 = Instant.parse("2026-11-25T10:05:00Z");

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }

  private static LoraAdapter adapter(long generation, LoraAdapterStatus status) {
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName("a").withGeneration(generation).build());
    adapter.setStatus(status);
    return adapter;
  }

  private static LoraAdapterStatus emptyAdapterStatus() {
    return new LoraAdapterStatus(
        null, null, null, null, null, null, null, null, 2, 0, null, null, null);
  }

  private static Condition condition(LorafleetStatus status, ConditionType type) {
    return status.condition(type).orElseThrow();
  }

  @Test
  void adapterIsReadyOnlyWhenEveryDesiredPodServesTheDigest() {
    LoraAdapter resource = adapter(3, null);
    LoraAdapterStatus placing =
        new LoraAdapterStatusAggregator(resource, at(T0))
            .resolved(true)
            .replicas(2, 1)
            .build(emptyAdapterStatus());
    assertThat(placing.observedGeneration()).isEqualTo(3);
    assertThat(condition(placing, ConditionType.Ready).status()).isEqualTo(ConditionStatus.FALSE);
    assertThat(condition(placing, ConditionType.Ready).reason()).isEqualTo("Placing");
    assertThat(condition(placing, ConditionType.Progressing).isTrue()).isTrue();
    assertThat(condition(placing, ConditionType.Degraded).isTrue()).isFalse();
    assertThat(placing.conditions()).allMatch(c -> c.observedGeneration() == 3);

    LoraAdapterStatus placed =
        new LoraAdapterStatusAggregator(adapter(3, placing), at(T1))
            .resolved(true)
            .replicas(2, 2)
            .build(emptyAdapterStatus());
    assertThat(condition(placed, ConditionType.Ready).isTrue()).isTrue();
    assertThat(condition(placed, ConditionType.Ready).reason()).isEqualTo("Placed");
    assertThat(condition(placed, ConditionType.Ready).lastTransitionTime())
        .isEqualTo(T1.toString());
    // Degraded stayed False: its transition time is the first one.
    assertThat(condition(placed, ConditionType.Degraded).lastTransitionTime())
        .isEqualTo(T0.toString());
  }

  @Test
  void unchangedFactsGiveAnIdenticalStatusSoNothingIsPatched() {
    LoraAdapterStatus first =
        new LoraAdapterStatusAggregator(adapter(1, null), at(T0))
            .resolved(true)
            .replicas(2, 2)
            .build(emptyAdapterStatus());
    LoraAdapterStatus again =
        new LoraAdapterStatusAggregator(adapter(1, first), at(T1))
            .resolved(true)
            .replicas(2, 2)
            .build(emptyAdapterStatus());
    assertThat(again).isEqualTo(first);
  }

  @Test
  void aPermanentProblemBlocksAndDegradesWithItsReason() {
    LoraAdapterStatus status =
        new LoraAdapterStatusAggregator(adapter(2, null), at(T0))
            .resolved(true)
            .replicas(2, 2)
            .blockedBy(LoraAdapterReason.RankTooLarge, "rank 128 exceeds maxRank 64")
            .retrying(LoraAdapterReason.ObjectStoreUnavailable, "connection refused")
            .build(emptyAdapterStatus());
    assertThat(status.conditions())
        .extracting(Condition::type, Condition::status, Condition::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Ready", ConditionStatus.FALSE, "RankTooLarge"),
            org.assertj.core.groups.Tuple.tuple(
                "Progressing", ConditionStatus.FALSE, "RankTooLarge"),
            org.assertj.core.groups.Tuple.tuple("Degraded", ConditionStatus.TRUE, "RankTooLarge"));
    assertThat(condition(status, ConditionType.Ready).message())
        .isEqualTo("rank 128 exceeds maxRank 64");
  }

  @Test
  void aTransientFailureDegradesWithoutTakingAwayReadiness() {
    LoraAdapterStatus status =
        new LoraAdapterStatusAggregator(adapter(1, null), at(T0))
            .resolved(true)
            .replicas(2, 2)
            .retrying(LoraAdapterReason.ObjectStoreUnavailable, "connection refused")
            .build(emptyAdapterStatus());
    assertThat(condition(status, ConditionType.Ready).isTrue()).isTrue();
    assertThat(condition(status, ConditionType.Degraded).isTrue()).isTrue();
    assertThat(condition(status, ConditionType.Degraded).reason())
        .isEqualTo("ObjectStoreUnavailable");
    assertThat(condition(status, ConditionType.Progressing).isTrue()).isTrue();
  }

  @Test
  void waitingForTheBaseModelIsProgressingNotDegraded() {
    LoraAdapterStatus status =
        new LoraAdapterStatusAggregator(adapter(1, null), at(T0))
            .waitingFor(LoraAdapterReason.BaseModelNotFound, "BaseModel llama does not exist")
            .build(emptyAdapterStatus());
    assertThat(condition(status, ConditionType.Ready).reason()).isEqualTo("BaseModelNotFound");
    assertThat(condition(status, ConditionType.Progressing).isTrue()).isTrue();
    assertThat(condition(status, ConditionType.Degraded).isTrue()).isFalse();
  }

  @Test
  void readinessNeedsTheCurrentGeneration() {
    LoraAdapterStatus ready =
        new LoraAdapterStatusAggregator(adapter(4, null), at(T0))
            .resolved(true)
            .replicas(1, 1)
            .build(emptyAdapterStatus());
    assertThat(adapter(4, ready).isReady()).isTrue();
    assertThat(adapter(5, ready).isReady()).as("spec changed since").isFalse();
    assertThat(adapter(4, null).isReady()).isFalse();
  }

  @Test
  void baseModelScaledToZeroIsReadyAndStartingPodsAreNot() {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName("m").withGeneration(1L).build());
    BaseModelStatus observed = new BaseModelStatus(null, null, null, null, 0, 0, null);
    BaseModelStatus resolving =
        new BaseModelStatusAggregator(model, at(T0)).replicas(2, 0).build(observed);
    assertThat(condition(resolving, ConditionType.Ready).reason()).isEqualTo("Resolving");
    BaseModelStatus starting =
        new BaseModelStatusAggregator(model, at(T0)).resolved(true).replicas(2, 1).build(observed);
    assertThat(condition(starting, ConditionType.Ready).reason())
        .isEqualTo(BaseModelReason.PodsStarting.name());
    assertThat(condition(starting, ConditionType.Ready).message())
        .isEqualTo("1/2 serving pods ready");
    BaseModelStatus zero =
        new BaseModelStatusAggregator(model, at(T0)).resolved(true).replicas(0, 0).build(observed);
    assertThat(condition(zero, ConditionType.Ready).isTrue()).isTrue();
    assertThat(condition(zero, ConditionType.Ready).reason()).isEqualTo("ScaledToZero");
  }

  /** Issue 18: RouterReady with observedGeneration, its own transitions, kept when unobserved. */
  @Test
  void baseModelReportsTheRoutersReadinessAsItsOwnCondition() {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName("m").withGeneration(4L).build());
    BaseModelStatus observed = new BaseModelStatus(null, null, null, null, 2, 2, null);
    BaseModelStatus starting =
        new BaseModelStatusAggregator(model, at(T0))
            .resolved(true)
            .replicas(2, 2)
            .router(2, 1)
            .build(observed);
    Condition router = routerReady(starting);
    assertThat(router.status()).isEqualTo(ConditionStatus.FALSE);
    assertThat(router.reason()).isEqualTo(BaseModelReason.RouterStarting.name());
    assertThat(router.message()).isEqualTo("1/2 router pods available");
    assertThat(router.observedGeneration()).isEqualTo(4);
    assertThat(condition(starting, ConditionType.Ready).isTrue())
        .as("the pool's Ready is about its serving pods")
        .isTrue();

    model.setStatus(starting);
    BaseModelStatus available =
        new BaseModelStatusAggregator(model, at(T1))
            .resolved(true)
            .replicas(2, 2)
            .router(2, 2)
            .build(observed);
    assertThat(routerReady(available).isTrue()).isTrue();
    assertThat(routerReady(available).reason()).isEqualTo("RouterAvailable");
    assertThat(routerReady(available).lastTransitionTime()).isEqualTo(T1.toString());

    model.setStatus(available);
    BaseModelStatus again =
        new BaseModelStatusAggregator(model, at(T1.plusSeconds(60)))
            .resolved(true)
            .replicas(2, 2)
            .router(2, 2)
            .build(observed);
    assertThat(routerReady(again).lastTransitionTime())
        .as("unchanged: the transition time stays")
        .isEqualTo(T1.toString());
    BaseModelStatus unobserved =
        new BaseModelStatusAggregator(model, at(T1.plusSeconds(90))).build(observed);
    assertThat(routerReady(unobserved)).isEqualTo(routerReady(available));

    BaseModelStatus none =
        new BaseModelStatusAggregator(model, at(T1))
            .resolved(true)
            .replicas(2, 2)
            .router(0, 0)
            .build(observed);
    assertThat(routerReady(none).isTrue()).isFalse();
    assertThat(routerReady(none).reason()).isEqualTo("RouterNotRun");
  }

  private static Condition routerReady(BaseModelStatus status) {
    return status.conditions().stream()
        .filter(c -> BaseModelStatusAggregator.ROUTER_READY.equals(c.type()))
        .findFirst()
        .orElseThrow();
  }

  /** Issue 18: 0 warm copies is a goal; ready once every ready pod has it registered. */
  @Test
  void adapterWithNoWarmCopyIsReadyWhenRegisteredOnEveryPod() {
    LoraAdapter resource = adapter(1, null);
    LoraAdapterStatus registering =
        new LoraAdapterStatusAggregator(resource, at(T0))
            .resolved(true)
            .replicas(0, 0)
            .registered(3, 2)
            .build(emptyAdapterStatus());
    assertThat(condition(registering, ConditionType.Ready).isTrue()).isFalse();
    assertThat(condition(registering, ConditionType.Ready).message())
        .isEqualTo("0/0 warm copies of the resolved digest, registered on 2/3 pods");
    LoraAdapterStatus registered =
        new LoraAdapterStatusAggregator(resource, at(T0))
            .resolved(true)
            .replicas(0, 0)
            .registered(3, 3)
            .build(emptyAdapterStatus());
    assertThat(condition(registered, ConditionType.Ready).isTrue()).isTrue();
    LoraAdapterStatus warmMissing =
        new LoraAdapterStatusAggregator(resource, at(T0))
            .resolved(true)
            .replicas(1, 0)
            .registered(3, 3)
            .build(emptyAdapterStatus());
    assertThat(condition(warmMissing, ConditionType.Ready).isTrue()).isFalse();
    LoraAdapterStatus noPods =
        new LoraAdapterStatusAggregator(resource, at(T0))
            .resolved(true)
            .replicas(0, 0)
            .registered(0, 0)
            .build(emptyAdapterStatus());
    assertThat(condition(noPods, ConditionType.Ready).reason()).isEqualTo("NoServingPods");
  }

  @Test
  void fineTuneJobPhasesMapToConditions() {
    FineTuneJob job = new FineTuneJob();
    job.setMetadata(new ObjectMetaBuilder().withName("j").withGeneration(1L).build());
    FineTuneJobStatus observed =
        new FineTuneJobStatus(null, null, null, "j-train", null, null, null, null, null);

    FineTuneJobStatus running =
        new FineTuneJobStatusAggregator(job, at(T0))
            .run(FineTuneJobPhase.Running, "step 10/100")
            .build(observed);
    assertThat(running.phase()).isEqualTo(FineTuneJobPhase.Running);
    assertThat(condition(running, ConditionType.Ready).isTrue()).isFalse();
    assertThat(condition(running, ConditionType.Progressing).reason()).isEqualTo("Training");

    FineTuneJobStatus succeeded =
        new FineTuneJobStatusAggregator(job, at(T1))
            .run(FineTuneJobPhase.Succeeded, "adapter published")
            .build(observed);
    assertThat(condition(succeeded, ConditionType.Ready).isTrue()).isTrue();
    assertThat(condition(succeeded, ConditionType.Progressing).isTrue()).isFalse();

    FineTuneJobStatus failed =
        new FineTuneJobStatusAggregator(job, at(T1))
            .run(FineTuneJobPhase.Running, "step 10/100")
            .failed(FineTuneJobReason.InvalidDataset, "42% of lines invalid (limit 1%)")
            .build(observed);
    assertThat(failed.phase()).isEqualTo(FineTuneJobPhase.Failed);
    assertThat(condition(failed, ConditionType.Degraded).reason()).isEqualTo("InvalidDataset");

    FineTuneJobStatus waiting =
        new FineTuneJobStatusAggregator(job, at(T1))
            .waitingFor(FineTuneJobReason.BaseModelNotReady, "BaseModel llama is not ready")
            .build(observed);
    assertThat(waiting.phase())
        .as("GitOps may apply the base later")
        .isEqualTo(FineTuneJobPhase.Pending);

    FineTuneJobStatus suspended =
        new FineTuneJobStatusAggregator(job, at(T1))
            .run(FineTuneJobPhase.Suspended, "suspended at step 40")
            .build(observed);
    assertThat(condition(suspended, ConditionType.Progressing).isTrue()).isFalse();
    assertThat(condition(suspended, ConditionType.Degraded).isTrue()).isFalse();

    assertThatThrownBy(
            () -> new FineTuneJobStatusAggregator(job, at(T1)).run(FineTuneJobPhase.Failed, "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mergePolicyIsNotReadyWhileAnOutdatedOutputIsReMerged() {
    MergePolicy policy = new MergePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("p").withGeneration(2L).build());
    MergePolicyStatus observed = new MergePolicyStatus(null, null, null, null, null, null);
    MergePolicyStatus merging =
        new MergePolicyStatusAggregator(policy, at(T0))
            .outputCurrent(false)
            .merging(true)
            .build(observed);
    assertThat(condition(merging, ConditionType.Ready).reason())
        .isEqualTo(MergePolicyReason.Merging.name());
    assertThat(condition(merging, ConditionType.Progressing).message())
        .isEqualTo("merge job running");
    MergePolicyStatus merged =
        new MergePolicyStatusAggregator(policy, at(T0)).outputCurrent(true).build(observed);
    assertThat(condition(merged, ConditionType.Ready).isTrue()).isTrue();
    assertThat(merged.observedGeneration()).isEqualTo(2);
  }
}
