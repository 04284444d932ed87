package io.lorafleet.api.v1alpha1.basemodel;

import io.lorafleet.api.v1alpha1.common.ConditionReason;

/** Condition reasons of a BaseModel. */
public enum BaseModelReason implements ConditionReason {
  AsExpected,
  Resolving,
  Available,
  ScaledToZero,
  PodsStarting,
  /** The serving Deployment is replacing its pods with the current template. */
  RollingOut,
  /** The serving Deployment's rollout exceeded its progress deadline. */
  ProgressDeadlineExceeded,
  /** A serving pod cannot be scheduled (PodScheduled=False, e.g. no node with a free GPU). */
  Unschedulable,
  /** A serving pod's image cannot be pulled (ImagePullBackOff or ErrImagePull). */
  ImagePullBackOff,
  /** A serving pod's container keeps crashing (CrashLoopBackOff). */
  CrashLoopBackOff,
  ArtifactNotFound,
  DigestMismatch,
  InvalidModelConfig,
  CredentialsSecretNotFound,
  /** spec.serving.inferenceAuth names a Secret, or a key of it, that does not exist. */
  InferenceTokenSecretNotFound,
  ObjectStoreNotConfigured,
  /** The object-store endpoint is not one the operator is allowed to connect to. */
  EndpointNotAllowed,
  AccessDenied,
  ObjectStoreUnavailable,
  /** The API server refused an object built from the spec (HTTP 422); the message says why. */
  RejectedByApiServer,
  /** RouterReady: every requested router pod is available. */
  RouterAvailable,
  /** RouterReady: fewer router pods are available than requested. */
  RouterStarting,
  /** RouterReady: no router runs (vLLM pool, or router replicas 0). */
  RouterNotRun,
  ReconcileFailed
}
