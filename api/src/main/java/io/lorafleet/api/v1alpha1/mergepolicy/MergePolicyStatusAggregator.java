package io.lorafleet.api.v1alpha1.mergepolicy;

import io.lorafleet.api.v1alpha1.common.ConditionReason;
import io.lorafleet.api.v1alpha1.common.StatusAggregator;
import java.time.Clock;

/**
 * Decides a MergePolicy's conditions: ready when the published output was merged from the sources'
 * current digests. While a re-merge runs, the previous output keeps serving, so the policy is not
 * ready (outdated) but progressing.
 */
public final class MergePolicyStatusAggregator
    extends StatusAggregator<MergePolicyStatusAggregator> {
  private boolean outputCurrent;
  private boolean merging;

  public MergePolicyStatusAggregator(MergePolicy resource, Clock clock) {
    super(resource.getStatus(), resource.getMetadata().getGeneration(), clock);
  }

  /** The published output was merged from the sources' current digests with the current spec. */
  public MergePolicyStatusAggregator outputCurrent(boolean value) {
    this.outputCurrent = value;
    return this;
  }

  /** A merge Job is running. */
  public MergePolicyStatusAggregator merging(boolean value) {
    this.merging = value;
    return this;
  }

  public MergePolicyStatus build(MergePolicyStatus observed) {
    return observed.withConditions(generation(), decideConditions());
  }

  @Override
  protected Progress progress() {
    if (outputCurrent) {
      return new Progress(
          true, MergePolicyReason.Merged, "output is merged from the current sources", false);
    }
    return new Progress(
        false,
        MergePolicyReason.Merging,
        merging ? "merge job running" : "a merge of the current sources is due",
        true);
  }

  @Override
  protected ConditionReason asExpected() {
    return MergePolicyReason.AsExpected;
  }
}
