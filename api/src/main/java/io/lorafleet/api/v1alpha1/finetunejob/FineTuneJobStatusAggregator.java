package io.lorafleet.api.v1alpha1.finetunejob;

import io.lorafleet.api.v1alpha1.common.ConditionReason;
import io.lorafleet.api.v1alpha1.common.StatusAggregator;
import java.time.Clock;

/**
 * Decides a FineTuneJob's phase and conditions. Ready means the run succeeded and its adapter is
 * published; a failed run is blocked (no retry by the operator) and degraded.
 */
public final class FineTuneJobStatusAggregator
    extends StatusAggregator<FineTuneJobStatusAggregator> {
  private FineTuneJobPhase runPhase = FineTuneJobPhase.Pending;
  private String detail = "";

  public FineTuneJobStatusAggregator(FineTuneJob resource, Clock clock) {
    super(resource.getStatus(), resource.getMetadata().getGeneration(), clock);
  }

  /** What the trainer Job reports: pending, running, succeeded or suspended. */
  public FineTuneJobStatusAggregator run(FineTuneJobPhase phase, String message) {
    if (phase == FineTuneJobPhase.Failed) {
      throw new IllegalArgumentException("a failed run is reported with failed(reason, message)");
    }
    this.runPhase = phase;
    this.detail = message;
    return this;
  }

  /** The run ended without an adapter; the operator does not retry it. */
  public FineTuneJobStatusAggregator failed(FineTuneJobReason reason, String message) {
    return blockedBy(reason, message);
  }

  public FineTuneJobStatus build(FineTuneJobStatus observed) {
    FineTuneJobPhase phase = isBlocked() ? FineTuneJobPhase.Failed : runPhase;
    return observed.withPhaseAndConditions(generation(), phase, decideConditions());
  }

  @Override
  protected Progress progress() {
    return switch (runPhase) {
      case Pending -> new Progress(false, FineTuneJobReason.Pending, detail, true);
      case Running -> new Progress(false, FineTuneJobReason.Training, detail, true);
      case Succeeded -> new Progress(true, FineTuneJobReason.Succeeded, detail, false);
      case Suspended -> new Progress(false, FineTuneJobReason.Suspended, detail, false);
      case Failed -> throw new IllegalStateException("failed runs are blocked");
    };
  }

  @Override
  protected ConditionReason asExpected() {
    return FineTuneJobReason.AsExpected;
  }
}
