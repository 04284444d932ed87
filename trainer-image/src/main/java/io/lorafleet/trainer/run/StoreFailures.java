package io.lorafleet.trainer.run;

import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.trainer.TrainerFailure;

/** Object-store errors as run failures: only TRANSIENT is retried (exit code 1). */
public final class StoreFailures {
  private StoreFailures() {}

  public static TrainerFailure of(ObjectStoreException e) {
    return switch (e.kind()) {
      case TRANSIENT ->
          TrainerFailure.transientFailure("ObjectStoreUnavailable", e.getMessage(), e);
      case ACCESS_DENIED -> TrainerFailure.badInput("AccessDenied", e.getMessage(), e);
      case DIGEST_MISMATCH -> TrainerFailure.badInput("DigestMismatch", e.getMessage(), e);
      case NOT_FOUND -> TrainerFailure.badInput("NotFound", e.getMessage(), e);
      case INVALID, PERMANENT ->
          TrainerFailure.badInput("ObjectStoreNotConfigured", e.getMessage(), e);
    };
  }
}
