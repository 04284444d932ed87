package io.lorafleet.operator.finetunejob;

import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobReason;
import io.lorafleet.operator.storage.StorageProblem;

/** Trainer results, Job failures and storage problems as FineTuneJob reasons. */
final class FineTuneJobReasons {
  private FineTuneJobReasons() {}

  /** The trainer's reason from result.json when it is one of ours, else TrainerFailed. */
  static FineTuneJobReason ofTrainer(String reason) {
    for (FineTuneJobReason r : FineTuneJobReason.values()) {
      if (r.name().equals(reason)) {
        return r;
      }
    }
    return FineTuneJobReason.TrainerFailed;
  }

  /** The reason Kubernetes gives in the Job's Failed condition. */
  static FineTuneJobReason ofJob(String jobReason) {
    return switch (jobReason == null ? "" : jobReason) {
      case "DeadlineExceeded" -> FineTuneJobReason.DeadlineExceeded;
      case "BackoffLimitExceeded" -> FineTuneJobReason.BackoffLimitExceeded;
      default -> FineTuneJobReason.TrainerFailed;
    };
  }

  static FineTuneJobReason of(StorageProblem problem) {
    return switch (problem) {
      case CREDENTIALS_SECRET_NOT_FOUND -> FineTuneJobReason.CredentialsSecretNotFound;
      case OBJECT_STORE_NOT_CONFIGURED -> FineTuneJobReason.ObjectStoreNotConfigured;
      case ENDPOINT_NOT_ALLOWED -> FineTuneJobReason.EndpointNotAllowed;
      case ACCESS_DENIED -> FineTuneJobReason.AccessDenied;
      case NOT_FOUND, DIGEST_MISMATCH, INVALID_CONTENT -> FineTuneJobReason.TrainerFailed;
    };
  }
}
