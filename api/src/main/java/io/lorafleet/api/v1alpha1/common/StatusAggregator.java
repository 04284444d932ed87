package io.lorafleet.api.v1alpha1.common;

import java.time.Clock;
import java.util.List;

/**
 * The condition rules shared by all kinds. A kind's aggregator feeds it facts and decides its own
 * progress; this class turns them into Ready/Progressing/Degraded with one precedence:
 *
 * <ol>
 *   <li>blocked (a permanent problem the user must fix): not ready, not progressing, degraded;
 *   <li>waiting (a gate on another resource): not ready, progressing, not degraded;
 *   <li>otherwise the kind's own progress, and a transient failure (retrying) marks it degraded and
 *       progressing without taking away readiness already reached.
 * </ol>
 */
public abstract class StatusAggregator<S extends StatusAggregator<S>> {
  private final List<Condition> previous;
  private final long generation;
  private final Clock clock;
  private Problem blocked;
  private Problem waiting;
  private Problem retrying;

  protected StatusAggregator(LorafleetStatus previousStatus, Long generation, Clock clock) {
    this.previous = previousStatus == null ? List.of() : previousStatus.conditions();
    this.generation = generation == null ? 0L : generation;
    this.clock = clock;
  }

  /** A permanent problem: the spec or a reference must change before anything else happens. */
  public S blockedBy(ConditionReason reason, String message) {
    if (blocked == null) {
      blocked = new Problem(reason, message);
    }
    return self();
  }

  /** A gate: another resource is not ready yet; the watch on it brings the next reconcile. */
  public S waitingFor(ConditionReason reason, String message) {
    if (waiting == null) {
      waiting = new Problem(reason, message);
    }
    return self();
  }

  /** A transient failure that the operator retries with back-off. */
  public S retrying(ConditionReason reason, String message) {
    if (retrying == null) {
      retrying = new Problem(reason, message);
    }
    return self();
  }

  protected long generation() {
    return generation;
  }

  protected boolean isBlocked() {
    return blocked != null;
  }

  /** The kind's own view when nothing blocks or gates it. */
  public record Progress(
      boolean ready, ConditionReason reason, String message, boolean progressing) {}

  protected abstract Progress progress();

  protected abstract ConditionReason asExpected();

  protected List<Condition> decideConditions() {
    ConditionSet set = new ConditionSet(previous, generation, clock.instant());
    if (blocked != null) {
      return set.set(ConditionType.Ready, false, blocked.reason(), blocked.message())
          .set(ConditionType.Progressing, false, blocked.reason(), blocked.message())
          .set(ConditionType.Degraded, true, blocked.reason(), blocked.message())
          .toList();
    }
    if (waiting != null) {
      return set.set(ConditionType.Ready, false, waiting.reason(), waiting.message())
          .set(ConditionType.Progressing, true, waiting.reason(), waiting.message())
          .set(ConditionType.Degraded, false, asExpected(), "")
          .toList();
    }
    Progress progress = progress();
    set.set(ConditionType.Ready, progress.ready(), progress.reason(), progress.message());
    if (retrying != null) {
      return set.set(ConditionType.Progressing, true, retrying.reason(), retrying.message())
          .set(ConditionType.Degraded, true, retrying.reason(), retrying.message())
          .toList();
    }
    return set.set(
            ConditionType.Progressing,
            progress.progressing(),
            progress.reason(),
            progress.message())
        .set(ConditionType.Degraded, false, asExpected(), "")
        .toList();
  }

  @SuppressWarnings("unchecked")
  private S self() {
    return (S) this;
  }
}
