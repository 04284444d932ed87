package io.lorafleet.api.v1alpha1.loraadapter;

import io.lorafleet.api.v1alpha1.common.ConditionReason;

/** Condition reasons of a LoraAdapter; the compatibility reasons match the artifact checks. */
public enum LoraAdapterReason implements ConditionReason {
  AsExpected,
  Resolving,
  Placing,
  Placed,
  NoServingPods,
  BaseModelNotFound,
  BaseModelNotReady,
  ArtifactNotFound,
  DigestMismatch,
  InvalidArtifact,
  RankTooLarge,
  ShapeMismatch,
  UnknownTargetModule,
  NoTensorsMatched,
  UnsupportedFeature,
  RankMismatch,
  LayerOutOfRange,
  UnsupportedDtype,
  UnexpectedTensor,
  IncompleteModule,
  CredentialsSecretNotFound,
  ObjectStoreNotConfigured,
  /** The object-store endpoint is not one the operator is allowed to connect to. */
  EndpointNotAllowed,
  AccessDenied,
  ObjectStoreUnavailable,
  LoadFailed,
  /**
   * The pod's load probe found the adapter's output equal to the base model's (all lora_B zero, or
   * modules the server ignores), and spec.validation.allowNoEffect is not set.
   */
  NoEffect,
  /**
   * The evaluation gate scores a new version (a Job of the trainer image); the stable version
   * serves all traffic, the new one is not loaded.
   */
  CanaryEvaluating,
  /** A canary rollout runs: the stable version serves, the canary gets its step's weight. */
  CanaryProgressing,
  /** A canary rollout holds at a step without pause or analysis until a person decides. */
  CanaryPaused,
  /** The last canary was promoted: it is the stable version now. */
  Promoted,
  /**
   * The last canary failed its evaluation gate or analysis, or was aborted: the stable version
   * serves.
   */
  RolledBack,
  /** spec.rollout.canary is not usable as written (a pause that is not a duration). */
  InvalidRollout
}
