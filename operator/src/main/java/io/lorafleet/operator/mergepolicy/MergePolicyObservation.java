package io.lorafleet.operator.mergepolicy;

import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyStatus;
import io.lorafleet.api.v1alpha1.mergepolicy.MergedAdapter;
import io.lorafleet.operator.jobs.RunOutcomes;
import io.lorafleet.operator.storage.StorageFailure;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/** The merge as observed: the status fields a reconcile keeps, or sets from a finished merge. */
final class MergePolicyObservation {
  private MergePolicyObservation() {}

  /** What the last status said, kept while nothing new is known. */
  static MergePolicyStatus kept(MergePolicy policy) {
    return policy.getStatus() != null
        ? policy.getStatus()
        : new MergePolicyStatus(null, null, null, null, null, null);
  }

  /** The published output of {@code run}, with the merger's truncation error when it gave one. */
  static MergePolicyStatus merged(
      MergePolicy policy, MergeRun run, RunOutcomes.Produced produced, Clock clock) {
    RunResult.Adapter adapter = produced.adapter();
    Object error =
        produced.result().metrics() == null
            ? null
            : produced.result().metrics().get("truncationError");
    return new MergePolicyStatus(
        null,
        null,
        run.digests(),
        new MergedAdapter(
            policy.getSpec().output().adapterName(),
            adapter.digest(),
            adapter.uri(),
            error instanceof Number n ? n.doubleValue() : null),
        run.name(),
        clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
  }

  /**
   * Why a failed merge failed: the merger's reason and message, else the Job's. An unreadable
   * result.json is a storage failure here (EndpointNotAllowed or MergeFailed).
   */
  static String failure(RunOutcomes.Failed failed) throws StorageFailure {
    Optional<RunResult> result = failed.result();
    return result
        .map(r -> Objects.toString(r.reason(), "failed") + ": " + r.message())
        .orElse(Objects.toString(failed.condition().getMessage(), "merge Job failed"));
  }
}
