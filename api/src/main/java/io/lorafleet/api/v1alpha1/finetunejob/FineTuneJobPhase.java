package io.lorafleet.api.v1alpha1.finetunejob;

/** Where a training run is in its life. */
public enum FineTuneJobPhase {
  Pending,
  Running,
  Succeeded,
  Failed,
  Suspended
}
