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
  /** The API server refused an object built from the spec (HTTP 422); the message says why. */
  RejectedByApiServer,
  ReconcileFailed
}
