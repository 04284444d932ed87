package io.lorafleet.operator.storage;

import io.lorafleet.artifacts.store.ObjectStoreException;

/** Sorts object-store exceptions into permanent failures and transient ones to retry. */
final class Storage {
  private Storage() {}

  static StorageFailure permanentOrRethrow(ObjectStoreException e) {
    return switch (e.kind()) {
      case TRANSIENT -> throw e;
      case NOT_FOUND -> new StorageFailure(StorageProblem.NOT_FOUND, e.getMessage());
      case ACCESS_DENIED -> new StorageFailure(StorageProblem.ACCESS_DENIED, e.getMessage());
      case DIGEST_MISMATCH -> new StorageFailure(StorageProblem.DIGEST_MISMATCH, e.getMessage());
      case INVALID, PERMANENT -> new StorageFailure(StorageProblem.INVALID_CONTENT, e.getMessage());
    };
  }
}
