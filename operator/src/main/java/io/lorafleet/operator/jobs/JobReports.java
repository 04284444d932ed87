package io.lorafleet.operator.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.artifacts.store.ObjectStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.storage.ObjectStoreAccess;
import io.lorafleet.operator.storage.StorageFailure;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads progress.json ({@link RunProgress}) and result.json ({@link RunResult}) from a run
 * directory in object storage.
 */
@ApplicationScoped
public class JobReports {
  static final String PROGRESS = RunProgress.FILE;
  static final String RESULT = RunResult.FILE;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectStoreAccess access;

  public JobReports(ObjectStoreAccess access) {
    this.access = access;
  }

  public Optional<RunProgress> progress(String namespace, SecretReference credentials, S3Uri run)
      throws StorageFailure {
    return read(namespace, credentials, run, PROGRESS, RunProgress.class);
  }

  public Optional<RunResult> result(String namespace, SecretReference credentials, S3Uri run)
      throws StorageFailure {
    return read(namespace, credentials, run, RESULT, RunResult.class);
  }

  private <T> Optional<T> read(
      String namespace, SecretReference credentials, S3Uri run, String file, Class<T> type)
      throws StorageFailure {
    ObjectStore store = access.open(namespace, credentials);
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
