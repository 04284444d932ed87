package io.lorafleet.api.v1alpha1.basemodel;

import io.lorafleet.api.v1alpha1.common.ConditionReason;

/** Condition reasons of a BaseModel. */
public enum BaseModelReason implements ConditionReason {
  AsExpected,
  Resolving,
  Available,
  ScaledToZero,
  PodsStarting,
  ArtifactNotFound,
  DigestMismatch,
  InvalidModelConfig,
  CredentialsSecretNotFound,
  ObjectStoreNotConfigured,
  AccessDenied,
  ObjectStoreUnavailable,
  /** The API server refused an object built from the spec (HTTP 422); the message says why. */
  RejectedByApiServer,
  ReconcileFailed
}
