package io.lorafleet.api.v1alpha1.mergepolicy;

import io.lorafleet.api.v1alpha1.common.ConditionReason;

/** Condition reasons of a MergePolicy. */
public enum MergePolicyReason implements ConditionReason {
  AsExpected,
  Merging,
  Merged,
  WaitingForSources,
  BaseModelNotFound,
  SourceNotFound,
  SourceBaseModelMismatch,
  MergeFailed,
  /** The object-store endpoint is not one the operator is allowed to connect to. */
  EndpointNotAllowed,
  ObjectStoreUnavailable,
  /** The API server refused an object built from the spec (HTTP 422); the message says why. */
  RejectedByApiServer,
  ReconcileFailed
}
