package io.lorafleet.operator.storage;

/**
 * A permanent storage failure: retrying cannot fix it, the user must change a spec, a Secret or the
 * stored files. Transient failures are {@link io.lorafleet.artifacts.store.ObjectStoreException}s
 * of kind TRANSIENT and are left to the reconciler's retry.
 */
public final class StorageFailure extends Exception {
  private static final long serialVersionUID = 1L;
  private final StorageProblem problem;

  public StorageFailure(StorageProblem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public StorageProblem problem() {
    return problem;
  }
}
