package io.lorafleet.operator.finetunejob;

import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.artifacts.store.ObjectInfo;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.storage.ObjectStoreAccess;
import io.lorafleet.operator.storage.StorageFailure;
import io.lorafleet.operator.storage.StorageProblem;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** The checkpoints a run wrote under its run directory, deleted with the FineTuneJob on request. */
@ApplicationScoped
public class RunCheckpoints {
  private static final int DELETE_BATCH = 1000;

  private final ObjectStoreAccess access;

  public RunCheckpoints(ObjectStoreAccess access) {
    this.access = access;
  }

  /** {@code <run directory>/checkpoints/}. */
  public static S3Uri of(FineTuneJob job) {
    return FineTuneJobResources.runDirectory(job).child("checkpoints");
  }

  /**
   * Deletes every object under the run's checkpoints prefix and returns how many there were.
   *
   * @throws StorageFailure a permanent problem (no credentials, access denied): retrying will not
   *     help
   * @throws ObjectStoreException a transient one (object storage unreachable)
   */
  public int delete(FineTuneJob job) throws StorageFailure {
    S3Uri checkpoints = of(job);
    ObjectStore store =
        access.open(
            job.getMetadata().getNamespace(), job.getSpec().output().credentialsSecretRef());
    try {
      List<String> keys =
          store.list(checkpoints.bucket(), checkpoints.prefix()).stream()
              .map(ObjectInfo::key)
              .toList();
      for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
        store.delete(
            checkpoints.bucket(), keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH)));
      }
      return keys.size();
    } catch (ObjectStoreException e) {
      return switch (e.kind()) {
        case TRANSIENT -> throw e;
        case NOT_FOUND -> 0;
        case ACCESS_DENIED ->
            throw new StorageFailure(StorageProblem.ACCESS_DENIED, e.getMessage());
        default -> throw new StorageFailure(StorageProblem.INVALID_CONTENT, e.getMessage());
      };
    }
  }
}
