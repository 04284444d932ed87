package io.lorafleet.operator.basemodel;

import io.lorafleet.api.v1alpha1.basemodel.BaseModelReason;
import io.lorafleet.operator.storage.StorageProblem;

/** Storage problems as BaseModel condition reasons. */
final class BaseModelReasons {
  private BaseModelReasons() {}

  static BaseModelReason of(StorageProblem problem) {
    return switch (problem) {
      case CREDENTIALS_SECRET_NOT_FOUND -> BaseModelReason.CredentialsSecretNotFound;
      case OBJECT_STORE_NOT_CONFIGURED -> BaseModelReason.ObjectStoreNotConfigured;
      case ENDPOINT_NOT_ALLOWED -> BaseModelReason.EndpointNotAllowed;
      case NOT_FOUND -> BaseModelReason.ArtifactNotFound;
      case ACCESS_DENIED -> BaseModelReason.AccessDenied;
      case DIGEST_MISMATCH -> BaseModelReason.DigestMismatch;
      case INVALID_CONTENT -> BaseModelReason.InvalidModelConfig;
    };
  }
}
