package io.lorafleet.api.v1alpha1.finetunejob;

import io.lorafleet.api.v1alpha1.common.ConditionReason;

/** Condition reasons of a FineTuneJob. */
public enum FineTuneJobReason implements ConditionReason {
  AsExpected,
  Pending,
  Training,
  Succeeded,
  Suspended,
  BaseModelNotFound,
  BaseModelNotReady,
  InvalidDataset,
  DatasetNotFound,
  CredentialsSecretNotFound,
  ObjectStoreNotConfigured,
  AccessDenied,
  TrainerFailed,
  DeadlineExceeded,
  BackoffLimitExceeded,
  ObjectStoreUnavailable,
  ReconcileFailed
}
