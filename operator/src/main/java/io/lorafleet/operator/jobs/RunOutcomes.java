package io.lorafleet.operator.jobs;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.operator.storage.StorageFailure;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * What a run's Job says, read the same way for training and merge runs: still running; complete
 * with the adapter its result.json names (a Job that exited 0 without a successful result.json
 * failed all the same); or failed, with the run's own account where it wrote one.
 */
@ApplicationScoped
public class RunOutcomes {

  /** Where a run's Job stands. */
  public sealed interface Outcome {}

  /** Neither Complete nor Failed yet. */
  public record Running() implements Outcome {}

  /** Complete, and result.json says the run succeeded: the adapter it produced. */
  public record Produced(RunResult result) implements Outcome {
    public RunResult.Adapter adapter() {
      return result.adapter();
    }
  }

  /** Complete (exit 0) without a successful result.json: the run failed all the same. */
  public record NoResult() implements Outcome {
    public static final String MESSAGE = "exited 0 without a successful result.json";
  }

  /** Failed: the Job's condition, and the run's result.json read on demand. */
  public record Failed(JobCondition condition, ResultReader reader) implements Outcome {
    /** The run's own account (reason, message), when it wrote one. */
    public Optional<RunResult> result() throws StorageFailure {
      return reader.read();
    }
  }

  /** Reads a run's result.json; a failed Job's caller decides what an unreadable one means. */
  @FunctionalInterface
  public interface ResultReader {
    Optional<RunResult> read() throws StorageFailure;
  }

  private final JobReports reports;

  public RunOutcomes(JobReports reports) {
    this.reports = reports;
  }

  /** The outcome of {@code job}, whose run writes its reports under {@code run}. */
  public Outcome of(Job job, String namespace, SecretReference credentials, S3Uri run)
      throws StorageFailure {
    if (JobConditions.of(job, "Complete").isPresent()) {
      Optional<RunResult> result = reports.result(namespace, credentials, run);
      return result.isPresent() && result.get().succeeded()
          ? new Produced(result.get())
          : new NoResult();
    }
    Optional<JobCondition> failed = JobConditions.of(job, "Failed");
    if (failed.isPresent()) {
      return new Failed(failed.get(), () -> reports.result(namespace, credentials, run));
    }
    return new Running();
  }
}
