package io.lorafleet.operator.loraadapter;

import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterReason;
import io.lorafleet.artifacts.compat.IncompatibilityReason;
import io.lorafleet.operator.storage.StorageProblem;

/** Storage problems, compatibility problems and server refusals as LoraAdapter reasons. */
final class LoraAdapterReasons {
  private LoraAdapterReasons() {}

  static LoraAdapterReason of(StorageProblem problem) {
    return switch (problem) {
      case CREDENTIALS_SECRET_NOT_FOUND -> LoraAdapterReason.CredentialsSecretNotFound;
      case OBJECT_STORE_NOT_CONFIGURED -> LoraAdapterReason.ObjectStoreNotConfigured;
      case ENDPOINT_NOT_ALLOWED -> LoraAdapterReason.EndpointNotAllowed;
      case NOT_FOUND -> LoraAdapterReason.ArtifactNotFound;
      case ACCESS_DENIED -> LoraAdapterReason.AccessDenied;
      case DIGEST_MISMATCH -> LoraAdapterReason.DigestMismatch;
      case INVALID_CONTENT -> LoraAdapterReason.InvalidArtifact;
    };
  }

  static LoraAdapterReason of(IncompatibilityReason reason) {
    return switch (reason) {
      case SHAPE_MISMATCH -> LoraAdapterReason.ShapeMismatch;
      case UNKNOWN_TARGET_MODULE -> LoraAdapterReason.UnknownTargetModule;
      case RANK_TOO_LARGE -> LoraAdapterReason.RankTooLarge;
      case RANK_MISMATCH -> LoraAdapterReason.RankMismatch;
      case LAYER_OUT_OF_RANGE -> LoraAdapterReason.LayerOutOfRange;
      case UNSUPPORTED_DTYPE -> LoraAdapterReason.UnsupportedDtype;
      case NO_TENSORS_MATCHED -> LoraAdapterReason.NoTensorsMatched;
      case UNSUPPORTED_FEATURE -> LoraAdapterReason.UnsupportedFeature;
      case UNEXPECTED_TENSOR -> LoraAdapterReason.UnexpectedTensor;
      case INCOMPLETE_MODULE -> LoraAdapterReason.IncompleteModule;
    };
  }

  /** A server's typed refusal code when it is one of ours, else LoadFailed. */
  static LoraAdapterReason ofServerCode(String code) {
    for (LoraAdapterReason reason : LoraAdapterReason.values()) {
      if (reason.name().equals(code)) {
        return reason;
      }
    }
    return LoraAdapterReason.LoadFailed;
  }
}
