package io.lorafleet.operator.loraadapter;

import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterReason;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatus;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatusAggregator;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.operator.events.EventRecorder;
import io.lorafleet.operator.events.StatusUpdates;
import io.lorafleet.operator.loraadapter.evaluation.EvaluationGate;
import io.lorafleet.operator.loraadapter.evaluation.EvaluationSteps;
import io.lorafleet.operator.loraadapter.rollout.CanarySteps;
import io.lorafleet.operator.loraadapter.rollout.InvalidDurationException;
import io.lorafleet.operator.loraadapter.rollout.RolloutTransitions;
import io.lorafleet.operator.loraadapter.rollout.StepOutcome;
import io.lorafleet.operator.storage.ResolvedAdapter;
import io.lorafleet.operator.storage.StorageFailure;
import io.lorafleet.serving.pod.CanaryName;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The canary controller of a LoraAdapter with {@code spec.rollout.strategy: Canary}. Everything it
 * decides is derived from the spec and {@code status.rollout}, so an operator restart resumes a
 * rollout where it stood. The first version serves at once (there is no stable to compare with);
 * each new version after it is loaded as {@code <servedName>@canary} on the pods holding the stable
 * one, then steps through {@code spec.rollout.canary.steps} (docs/operator.md); with {@code
 * spec.rollout.canary.evaluation}, an evaluation Job gates it first (phase Evaluating, no traffic,
 * nothing loaded as the canary; docs/evaluation.md). Promotion loads the new version under the
 * served name, then writes Promoted, then unloads the canary; a rollback writes RolledBack (weight
 * 0) first, then unloads the canary: the router stops splitting before the canary leaves the pods.
 */
@ApplicationScoped
public class CanaryRollouts {
  private static final Duration RETRY = ServedVersionPlacer.RETRY_LOAD_AFTER;

  /** How soon unloads of a finished canary are looked at again. */
  private static final Duration CHECK_RELEASE_AFTER = Duration.ofSeconds(2);

  private final ServedVersionPlacer placer;
  private final StatusUpdates statuses;
  private final EventRecorder recorder;
  private final StableVersions stables;
  private final PoolAnalysis analysis;
  private final EvaluationGate gate;
  private final Clock clock;

  public CanaryRollouts(
      ServedVersionPlacer placer,
      StatusUpdates statuses,
      EventRecorder recorder,
      StableVersions stables,
      PoolAnalysis analysis,
      EvaluationGate gate,
      Clock clock) {
    this.placer = placer;
    this.statuses = statuses;
    this.recorder = recorder;
    this.stables = stables;
    this.analysis = analysis;
    this.gate = gate;
    this.clock = clock;
  }

  /** Why a Canary spec cannot run as written, if it cannot. */
  static Optional<String> refusal(LoraAdapter adapter) {
    if (!adapter.getSpec().wantsCanary()) {
      return Optional.empty();
    }
    CanarySpec canary = adapter.getSpec().rollout().canary();
    for (int i = 0; i < canary.steps().size(); i++) {
      try {
        CanarySteps.pause(canary.steps().get(i), i);
      } catch (InvalidDurationException e) {
        return Optional.of(e.getMessage());
      }
    }
    return Optional.empty();
  }

  UpdateControl<LoraAdapter> reconcile(
      LoraAdapter adapter,
      BaseModel base,
      ResolvedAdapter target,
      String servedName,
      LoraAdapterStatusAggregator aggregator) {
    LoraAdapterStatus previous = adapter.getStatus();
    RolloutStatus stored = previous == null ? null : previous.rollout();
    String stableDigest =
        stored != null && stored.stableDigest() != null
            ? stored.stableDigest()
            : previous == null ? null : previous.digest();
    String stableVersion = StableVersions.location(adapter, stored, stableDigest, target);
    if (stableDigest == null || stableVersion == null) {
      if (stableDigest != null && !stableDigest.equals(target.digest())) {
        recorder.record(
            adapter,
            EventRecorder.Type.Warning,
            "CanarySkipped",
            "where the serving version "
                + stableDigest
                + " is stored is unknown (spec.artifact names another version directory and"
                + " status.rollout.stableVersion is not set): "
                + target.digest()
                + " replaces it at once");
      }
      // First deploy: nothing to compare with, the version serves at once.
      return serveStable(
          adapter,
          base,
          target,
          servedName,
          aggregator,
          RolloutTransitions.serving(target.digest(), target.version().toString()));
    }
    boolean running =
        stored != null
            && (stored.phase() == RolloutPhase.Progressing || stored.phase() == RolloutPhase.Paused)
            && stored.canaryDigest() != null;
    if (running && stored.canaryDigest().equals(target.digest())) {
      return progress(adapter, base, target, servedName, aggregator, stored);
    }
    boolean evaluating =
        stored != null
            && stored.phase() == RolloutPhase.Evaluating
            && stored.canaryDigest() != null;
    if (evaluating && stored.canaryDigest().equals(target.digest())) {
      return evaluate(adapter, base, target, servedName, aggregator, stored);
    }
    if ((running || evaluating) && target.digest().equals(stableDigest)) {
      gate.deleteOthers(adapter, null);
      // The spec went back to the stable version: the canary is abandoned like an abort.
      RolloutStatus back =
          RolloutTransitions.rolledBack(
              stored,
              stored.checks(),
              "spec.artifact returned to the stable version " + stableDigest);
      event(adapter, EventRecorder.Type.Warning, "RolledBack", back.message());
      return serveStable(adapter, base, target, servedName, aggregator, back);
    }
    boolean rolledBackAlready =
        stored != null
            && stored.phase() == RolloutPhase.RolledBack
            && target.digest().equals(stored.canaryDigest());
    if (target.digest().equals(stableDigest) || rolledBackAlready) {
      ResolvedAdapter stable;
      try {
        stable = stables.resolve(adapter, target, stableDigest, stableVersion);
      } catch (StorageFailure failure) {
        return stableUnreadable(adapter, aggregator, stableVersion, failure);
      }
      RolloutStatus kept =
          stored != null ? stored : RolloutTransitions.serving(stableDigest, stableVersion);
      return serveStable(adapter, base, stable, servedName, aggregator, kept);
    }
    // A new version: a rollout starts, or restarts when it replaces a canary still running.
    String replaces =
        running || evaluating ? " (it replaces the canary " + stored.canaryDigest() + ")" : "";
    if (adapter.getSpec().rollout().canary().evaluation() != null) {
      // The gate first: nothing is loaded as the canary until the evaluation passes.
      RolloutStatus evaluation =
          RolloutTransitions.evaluating(
              stableDigest,
              stableVersion,
              target.digest(),
              target.version().toString(),
              "evaluating before any traffic");
      gate.deleteOthers(adapter, target.digest());
      event(
          adapter,
          EventRecorder.Type.Normal,
          "EvaluationStarted",
          target.digest() + " is evaluated against the stable " + stableDigest + replaces);
      return evaluate(adapter, base, target, servedName, aggregator, evaluation);
    }
    RolloutStatus started =
        RolloutTransitions.started(
            stableDigest,
            stableVersion,
            target.digest(),
            target.version().toString(),
            "loading the canary as " + CanaryName.of(servedName));
    event(
        adapter,
        EventRecorder.Type.Normal,
        "CanaryStarted",
        target.digest()
            + " loads as "
            + CanaryName.of(servedName)
            + " next to the stable "
            + stableDigest
            + replaces);
    return progress(adapter, base, target, servedName, aggregator, started);
  }

  /**
   * The evaluation gate of a new version (phase Evaluating): the stable version serves alone while
   * the gate's Job runs; a pass starts the steps, a failure rolls back before any traffic ({@link
   * EvaluationSteps}).
   */
  private UpdateControl<LoraAdapter> evaluate(
      LoraAdapter adapter,
      BaseModel base,
      ResolvedAdapter candidate,
      String servedName,
      LoraAdapterStatusAggregator aggregator,
      RolloutStatus rollout) {
    EvaluationSteps.Next next =
        EvaluationSteps.next(
            adapter.getSpec().rollout().canary(),
            rollout,
            CanaryName.of(servedName),
            () -> gate.observe(adapter, base, rollout, candidate.lineage()));
    if (next.deleteJobs()) {
      gate.deleteOthers(adapter, null);
    }
    if (next.event() != null) {
      EventRecorder.Type type =
          next.warning() ? EventRecorder.Type.Warning : EventRecorder.Type.Normal;
      event(adapter, type, next.event(), next.status().message());
    }
    if (next.kind() == EvaluationSteps.Kind.PROGRESS) {
      return progress(adapter, base, candidate, servedName, aggregator, next.status());
    }
    // Rolled back before any traffic, or still evaluating: stable serves on, as it did.
    ResolvedAdapter stable;
    try {
      stable =
          stables.resolve(
              adapter, candidate, next.status().stableDigest(), next.status().stableVersion());
    } catch (StorageFailure failure) {
      return stableUnreadable(adapter, aggregator, next.status().stableVersion(), failure);
    }
    return serveStable(adapter, base, stable, servedName, aggregator, next.status());
  }

  /**
   * One version serves alone under the served name: an Immediate adapter's, or a Canary adapter's
   * stable one ({@code rollout} null for Immediate). A canary left from a rollout (finished, or
   * abandoned by a switch to Immediate) is unloaded once the stored status says no rollout runs (so
   * routers have stopped sending to it).
   */
  UpdateControl<LoraAdapter> serveStable(
      LoraAdapter adapter,
      BaseModel base,
      ResolvedAdapter stable,
      String servedName,
      LoraAdapterStatusAggregator aggregator,
      RolloutStatus rollout) {
    ServedVersionPlacer.Target target =
        new ServedVersionPlacer.Target(
            adapter, base, stable, servedName, adapter.getSpec().allowsNoEffect(), null);
    ServedVersionPlacer.Outcome outcome = placer.place(target, aggregator);
    if (!outcome.inventoried()) {
      return UpdateControl.<LoraAdapter>noUpdate().rescheduleAfter(RETRY);
    }
    LoraAdapterStatus observed = placer.observe(target, outcome, aggregator).withRollout(rollout);
    RolloutStatus stored = adapter.getStatus() == null ? null : adapter.getStatus().rollout();
    if (rollout == null && stored != null && stored.phase() == RolloutPhase.Evaluating) {
      gate.deleteOthers(adapter, null); // switched to Immediate: that evaluation has no use now
    }
    boolean over =
        stored == null
            || (stored.phase() != RolloutPhase.Progressing
                && stored.phase() != RolloutPhase.Paused);
    // The rollout written now no longer splits traffic, but routers follow the stored status:
    // the canary is released on the next look, which must be scheduled (a status patch alone
    // may not bring one).
    boolean endsNow =
        rollout == null
            || (rollout.phase() != RolloutPhase.Progressing
                && rollout.phase() != RolloutPhase.Paused);
    boolean released =
        over
            ? placer.releaseEverywhere(
                CanaryTwin.of(adapter), base, CanaryName.of(servedName), outcome.ready())
            : !endsNow;
    RolloutPhase phase = rollout == null ? null : rollout.phase();
    if (phase == RolloutPhase.Evaluating) {
      aggregator.rollout(
          LoraAdapterReason.CanaryEvaluating,
          rollout.canaryDigest() + ": " + rollout.message(),
          true);
    } else if (phase == RolloutPhase.Promoted) {
      aggregator.rollout(LoraAdapterReason.Promoted, rollout.message(), !released);
    } else if (phase == RolloutPhase.RolledBack) {
      aggregator.rollout(LoraAdapterReason.RolledBack, rollout.message(), !released);
    }
    Duration next = outcome.retryLater() ? RETRY : released ? null : CHECK_RELEASE_AFTER;
    LoraAdapterStatus status = aggregator.build(observed);
    return next == null ? statuses.patch(adapter, status) : statuses.patch(adapter, status, next);
  }

  /** A running rollout: stable and canary placed side by side, then the current step decides. */
  private UpdateControl<LoraAdapter> progress(
      LoraAdapter adapter,
      BaseModel base,
      ResolvedAdapter canary,
      String servedName,
      LoraAdapterStatusAggregator aggregator,
      RolloutStatus rollout) {
    ResolvedAdapter stable;
    try {
      stable = stables.resolve(adapter, canary, rollout.stableDigest(), rollout.stableVersion());
    } catch (StorageFailure failure) {
      return stableUnreadable(adapter, aggregator, rollout.stableVersion(), failure);
    }
    boolean allowNoEffect = adapter.getSpec().allowsNoEffect();
    ServedVersionPlacer.Target stableTarget =
        new ServedVersionPlacer.Target(adapter, base, stable, servedName, allowNoEffect, null);
    ServedVersionPlacer.Outcome stableOutcome = placer.place(stableTarget, aggregator);
    if (!stableOutcome.inventoried()) {
      return UpdateControl.<LoraAdapter>noUpdate().rescheduleAfter(RETRY);
    }
    LoraAdapterStatus observed = placer.observe(stableTarget, stableOutcome, aggregator);
    boolean promoting = rollout.stableDigest().equals(rollout.canaryDigest());
    Duration next = stableOutcome.retryLater() ? RETRY : null;
    RolloutStatus updated = rollout;
    if (promoting) {
      // The new version loads under the served name; Promoted only once every pod has it.
      if (stableOutcome.complete() && stableOutcome.refusals().isEmpty()) {
        updated = RolloutTransitions.promoted(rollout, servedName);
        event(adapter, EventRecorder.Type.Normal, "Promoted", updated.message());
        return serveStable(adapter, base, stable, servedName, aggregator, updated);
      }
    } else {
      ServedVersionPlacer.Outcome canaryOutcome =
          placer.place(
              new ServedVersionPlacer.Target(
                  CanaryTwin.of(adapter),
                  base,
                  canary,
                  CanaryName.of(servedName),
                  allowNoEffect,
                  stableOutcome.chosen()),
              new LoraAdapterStatusAggregator(adapter, clock));
      if (!canaryOutcome.inventoried()) {
        return UpdateControl.<LoraAdapter>noUpdate().rescheduleAfter(RETRY);
      }
      if (canaryOutcome.retryLater()) {
        next = RETRY;
      }
      if (!canaryOutcome.refusals().isEmpty()) {
        updated =
            RolloutTransitions.rolledBack(
                rollout,
                rollout.checks(),
                "the pods refused the canary " + String.join("; ", canaryOutcome.refusals()));
        event(adapter, EventRecorder.Type.Warning, "RolledBack", updated.message());
        return serveStable(adapter, base, stable, servedName, aggregator, updated);
      }
      if (rollout.stepStartedAt() == null) {
        // Loaded where stable is warm and registered on every ready pod (placement.replicas 0
        // keeps it registered only); a pool without ready pods has nowhere to send traffic.
        if (canaryOutcome.complete() && !canaryOutcome.ready().isEmpty()) {
          updated = enterStep(adapter, rollout, 0, rollout.checks(), "the canary is loaded");
        }
      } else {
        StepOutcome step =
            CanarySteps.current(
                adapter.getSpec().rollout().canary(),
                rollout,
                clock.instant(),
                () ->
                    analysis.analyze(
                        base,
                        servedName,
                        rollout,
                        adapter.getSpec().rollout().canary().analysis()));
        switch (step.kind()) {
          case HOLD -> {
            updated =
                RolloutTransitions.held(
                    rollout, RolloutPhase.Progressing, step.checks(), step.message());
            next = min(next, step.recheckAfter());
          }
          case WAIT_FOR_PERSON -> {
            updated =
                RolloutTransitions.held(
                    rollout, RolloutPhase.Paused, step.checks(), step.message());
            if (rollout.phase() != RolloutPhase.Paused) {
              event(adapter, EventRecorder.Type.Normal, "CanaryPaused", step.message());
            }
          }
          case ADVANCE ->
              updated =
                  enterStep(adapter, rollout, rollout.step() + 1, step.checks(), step.message());
          case PROMOTE -> {
            // The canary becomes the stable version: the next looks load it under the served
            // name on every pod before Promoted is written.
            updated = RolloutTransitions.promoting(rollout, step.checks(), step.message());
            event(adapter, EventRecorder.Type.Normal, "Promoting", updated.message());
          }
          case ROLL_BACK -> {
            updated = RolloutTransitions.rolledBack(rollout, step.checks(), step.message());
            event(adapter, EventRecorder.Type.Warning, "RolledBack", updated.message());
            return serveStable(adapter, base, stable, servedName, aggregator, updated);
          }
        }
      }
    }
    aggregator.rollout(
        updated.phase() == RolloutPhase.Paused
            ? LoraAdapterReason.CanaryPaused
            : LoraAdapterReason.CanaryProgressing,
        "step "
            + updated.step()
            + " of "
            + adapter.getSpec().rollout().canary().steps().size()
            + ", "
            + updated.weight()
            + "% to "
            + updated.canaryDigest()
            + ": "
            + updated.message(),
        updated.phase() != RolloutPhase.Paused);
    LoraAdapterStatus status = aggregator.build(observed.withRollout(updated));
    return next == null ? statuses.patch(adapter, status) : statuses.patch(adapter, status, next);
  }

  private RolloutStatus enterStep(
      LoraAdapter adapter,
      RolloutStatus rollout,
      int index,
      List<RolloutStatus.RolloutCheck> checks,
      String why) {
    int weight = adapter.getSpec().rollout().canary().steps().get(index).weight();
    event(
        adapter,
        EventRecorder.Type.Normal,
        "CanaryStep",
        "step " + index + ": " + weight + "% of requests to " + rollout.canaryDigest());
    return RolloutTransitions.entered(rollout, index, weight, clock.instant(), checks, why);
  }

  /** The stable version cannot be read: nothing changes on the pods, and it is tried again. */
  private UpdateControl<LoraAdapter> stableUnreadable(
      LoraAdapter adapter,
      LoraAdapterStatusAggregator aggregator,
      String version,
      StorageFailure failure) {
    aggregator
        .resolved(true)
        .retrying(
            LoraAdapterReasons.of(failure.problem()),
            "the stable version " + version + " cannot be read: " + failure.getMessage());
    return statuses.patch(adapter, aggregator.build(adapter.getStatus()), RETRY);
  }

  private void event(LoraAdapter adapter, EventRecorder.Type type, String reason, String message) {
    recorder.record(adapter, type, reason, message);
  }

  private static Duration min(Duration a, Duration b) {
    return a == null ? b : b == null ? a : a.compareTo(b) <= 0 ? a : b;
  }
}
