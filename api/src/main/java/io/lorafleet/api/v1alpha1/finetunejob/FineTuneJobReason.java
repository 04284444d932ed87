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
  /** The object-store endpoint is not one the operator is allowed to connect to. */
  EndpointNotAllowed,
  AccessDenied,
  TrainerFailed,
  DeadlineExceeded,
  BackoffLimitExceeded,
  /** The trainer's container was killed for exceeding its memory limit. */
  OOMKilled,
  ObjectStoreUnavailable,
  /** The API server refused an object built from the spec (HTTP 422); the message says why. */
  RejectedByApiServer,
  ReconcileFailed
}
