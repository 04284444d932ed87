package io.lorafleet.operator.finetunejob;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.storage.ObjectStoreAccess;
import io.lorafleet.operator.storage.StorageFailure;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.Optional;

/** Reads the trainer's progress.json and result.json from the run directory. */
@ApplicationScoped
public class RunReports {
  static final String PROGRESS = "progress.json";
  static final String RESULT = "result.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectStoreAccess access;

  public RunReports(ObjectStoreAccess access) {
    this.access = access;
  }

  public Optional<RunReport.Progress> progress(FineTuneJob job) throws StorageFailure {
    return read(job, PROGRESS, RunReport.Progress.class);
  }

  public Optional<RunReport.Result> result(FineTuneJob job) throws StorageFailure {
    return read(job, RESULT, RunReport.Result.class);
  }

  private <T> Optional<T> read(FineTuneJob job, String file, Class<T> type) throws StorageFailure {
    ObjectStore store =
        access.open(
            job.getMetadata().getNamespace(), job.getSpec().output().credentialsSecretRef());
    S3Uri run = FineTuneJobResources.runDirectory(job);
    try {
      if (store.stat(run.bucket(), run.prefix() + file).isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(JSON.readValue(store.getBytes(run.bucket(), run.prefix() + file), type));
    } catch (ObjectStoreException e) {
      if (e.kind() == ObjectStoreException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    } catch (IOException e) {
      // A report we cannot parse is treated as absent; the trainer rewrites progress often.
      return Optional.empty();
    }
  }
}
