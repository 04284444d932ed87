package io.lorafleet.operator.finetunejob;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobPhase;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobReason;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobStatus;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobStatusAggregator;
import io.lorafleet.api.v1alpha1.finetunejob.TrainedAdapter;
import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.operator.basemodel.BaseModelDependents;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.events.ErrorStatuses;
import io.lorafleet.operator.events.EventRecorder;
import io.lorafleet.operator.events.StatusUpdates;
import io.lorafleet.operator.jobs.JobConditions;
import io.lorafleet.operator.jobs.JobReports;
import io.lorafleet.operator.jobs.RunOutcomes;
import io.lorafleet.operator.jobs.TrainerTermination;
import io.lorafleet.operator.loraadapter.PublishedAdapters;
import io.lorafleet.operator.reconcile.Failures;
import io.lorafleet.operator.storage.StorageFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a FineTuneJob as a batch/v1 Job of the trainer image once its BaseModel has resolved,
 * reports the trainer's progress, and on success publishes the adapter as a LoraAdapter. On
 * deletion it deletes the trainer Job and its ConfigMap and, when asked, the run's checkpoints.
 */
@ControllerConfiguration(name = FineTuneJobReconciler.NAME)
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "trainer-config", type = TrainerConfigMapDependent.class),
      @Dependent(
          name = "trainer-job",
          type = TrainerJobDependent.class,
          dependsOn = "trainer-config")
    })
public class FineTuneJobReconciler implements Reconciler<FineTuneJob>, Cleaner<FineTuneJob> {
  public static final String NAME = "finetunejob";

  /** progress.json is rewritten every few seconds; reading it more often would show nothing new. */
  static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(15);

  /** First retry of a checkpoint deletion after object storage could not be reached; doubles. */
  static final Duration CLEANUP_RETRY = Duration.ofSeconds(2);

  static final Duration CLEANUP_RETRY_MAX = Duration.ofMinutes(1);

  /** How often reports are read again while a Secret or permission problem stops it. */
  static final Duration STORAGE_RETRY = Duration.ofSeconds(15);

  private final JobReports reports;
  private final RunOutcomes runs;
  private final PublishedAdapters outputs;
  private final StatusUpdates statuses;
  private final ErrorStatuses errors;
  private final RunCheckpoints checkpoints;
  private final EventRecorder recorder;
  private final OperatorConfig config;
  private final Clock clock;

  /** Failed checkpoint deletions per FineTuneJob UID, for the back-off (lost on restart: fine). */
  private final Map<String, Integer> cleanupFailures = new ConcurrentHashMap<>();

  public FineTuneJobReconciler(
      JobReports reports,
      RunOutcomes runs,
      PublishedAdapters outputs,
      StatusUpdates statuses,
      ErrorStatuses errors,
      RunCheckpoints checkpoints,
      EventRecorder recorder,
      OperatorConfig config,
      Clock clock) {
    this.reports = reports;
    this.runs = runs;
    this.outputs = outputs;
    this.statuses = statuses;
    this.errors = errors;
    this.checkpoints = checkpoints;
    this.recorder = recorder;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, FineTuneJob>> prepareEventSources(
      EventSourceContext<FineTuneJob> context) {
    return List.of(
        BaseModelDependents.eventSource(
            FineTuneJob.class, context, j -> j.getSpec().baseModelRef().name()));
  }

  @Override
  public UpdateControl<FineTuneJob> reconcile(FineTuneJob job, Context<FineTuneJob> context) {
    FineTuneJobStatus previous = job.getStatus();
    if (previous != null
        && (previous.phase() == FineTuneJobPhase.Succeeded
            || previous.phase() == FineTuneJobPhase.Failed)) {
      // A finished run is history. Only suspend can change after creation, and suspending a
      // finished run changes nothing (as with a Job): acknowledge the generation, keep the rest.
      long generation = job.getMetadata().getGeneration();
      if (Objects.equals(previous.observedGeneration(), generation)) {
        return UpdateControl.noUpdate();
      }
      return statuses.patch(
          job,
          previous.withPhaseAndConditions(
              generation,
              previous.phase(),
              previous.conditions().stream()
                  .map(
                      c ->
                          new Condition(
                              c.type(),
                              c.status(),
                              c.reason(),
                              c.message(),
                              c.lastTransitionTime(),
                              generation))
                  .toList()));
    }
    FineTuneJobStatusAggregator aggregator = new FineTuneJobStatusAggregator(job, clock);
    Optional<BaseModelDependents.Wait> wait =
        BaseModelDependents.unresolved(
            context.getSecondaryResource(BaseModel.class),
            job.getSpec().baseModelRef().name(),
            job.getMetadata().getNamespace());
    if (wait.isPresent()) {
      aggregator.waitingFor(
          wait.get().missing()
              ? FineTuneJobReason.BaseModelNotFound
              : FineTuneJobReason.BaseModelNotReady,
          wait.get().message());
      return statuses.patch(
          job, aggregator.build(FineTuneJobObservation.of(previous, null, null, null)));
    }
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    Job trainer = context.getSecondaryResource(Job.class).orElse(null);
    try {
      return observe(job, trainer, aggregator, context.getClient());
    } catch (StorageFailure failure) {
      // The trainer Job decides whether the run failed. A missing, late or rotated Secret, or a
      // permission still propagating, only stops the operator reading the run's reports: say so,
      // keep the run's phase, and look again on a bounded schedule (Secrets are not watched).
      aggregator
          .run(phaseOf(trainer), "cannot read the run's reports yet")
          .retrying(FineTuneJobReasons.of(failure.problem()), failure.getMessage());
      return statuses.patch(
          job,
          aggregator.build(FineTuneJobObservation.of(previous, trainer, null, null)),
          STORAGE_RETRY);
    }
  }

  /** The phase the Job itself shows, for when its reports cannot be read. */
  private static FineTuneJobPhase phaseOf(Job trainer) {
    if (trainer == null) {
      return FineTuneJobPhase.Pending;
    }
    if (Boolean.TRUE.equals(trainer.getSpec().getSuspend())) {
      return FineTuneJobPhase.Suspended;
    }
    boolean active =
        trainer.getStatus() != null
            && trainer.getStatus().getActive() != null
            && trainer.getStatus().getActive() > 0;
    // A completed Job whose result cannot be read yet is still running as far as users can tell.
    return active || JobConditions.of(trainer, "Complete").isPresent()
        ? FineTuneJobPhase.Running
        : FineTuneJobPhase.Pending;
  }

  private UpdateControl<FineTuneJob> observe(
      FineTuneJob job, Job trainer, FineTuneJobStatusAggregator aggregator, KubernetesClient client)
      throws StorageFailure {
    FineTuneJobStatus previous = job.getStatus();
    if (trainer == null) {
      aggregator.run(FineTuneJobPhase.Pending, "creating the trainer Job");
      return statuses.patch(
          job, aggregator.build(FineTuneJobObservation.of(previous, null, null, null)));
    }
    RunOutcomes.Outcome outcome =
        runs.of(trainer, ns(job), creds(job), FineTuneJobResources.runDirectory(job));
    if (outcome instanceof RunOutcomes.NoResult) {
      aggregator.failed(
          FineTuneJobReason.TrainerFailed, "the trainer " + RunOutcomes.NoResult.MESSAGE);
      return statuses.patch(
          job, aggregator.build(FineTuneJobObservation.of(previous, trainer, null, null)));
    }
    if (outcome instanceof RunOutcomes.Produced produced) {
      RunResult.Adapter adapter = produced.adapter();
      outputs.publishOutput(
          ns(job),
          job.getSpec().output(),
          job.getSpec().baseModelRef().name(),
          adapter,
          Map.of(FineTuneJobResources.FINE_TUNE_JOB, job.getMetadata().getName()));
      aggregator.run(FineTuneJobPhase.Succeeded, "published " + adapter.digest());
      TrainedAdapter output =
          new TrainedAdapter(job.getSpec().output().adapterName(), adapter.digest(), adapter.uri());
      return statuses.patch(
          job,
          aggregator.build(
              FineTuneJobObservation.of(
                  previous,
                  trainer,
                  reports
                      .progress(ns(job), creds(job), FineTuneJobResources.runDirectory(job))
                      .orElse(null),
                  output)));
    }
    if (outcome instanceof RunOutcomes.Failed failed) {
      Optional<RunResult> result = failedRunResult(failed);
      if (result.isPresent() && result.get().reason() != null) {
        aggregator.failed(
            FineTuneJobReasons.ofTrainer(result.get().reason()), result.get().message());
      } else {
        failedWithoutResult(job, trainer, failed.condition(), aggregator, client);
      }
      return statuses.patch(
          job, aggregator.build(FineTuneJobObservation.of(previous, trainer, null, null)));
    }
    // After the terminal checks: suspending a finished run changes nothing, as with a Job.
    if (Boolean.TRUE.equals(job.getSpec().suspend())) {
      aggregator.run(FineTuneJobPhase.Suspended, "suspended; resumes from the last checkpoint");
      return statuses.patch(
          job, aggregator.build(FineTuneJobObservation.of(previous, trainer, null, null)));
    }
    Optional<RunProgress> progress =
        reports.progress(ns(job), creds(job), FineTuneJobResources.runDirectory(job));
    boolean active =
        trainer.getStatus() != null
            && trainer.getStatus().getActive() != null
            && trainer.getStatus().getActive() > 0;
    aggregator.run(
        active ? FineTuneJobPhase.Running : FineTuneJobPhase.Pending,
        progress
            .map(p -> "step " + p.step() + "/" + p.totalSteps())
            .orElse(active ? "trainer started" : "waiting for the trainer pod"));
    return statuses.patch(
        job,
        aggregator.build(FineTuneJobObservation.of(previous, trainer, progress.orElse(null), null)),
        PROGRESS_INTERVAL);
  }

  /**
   * A failed Job without the trainer's own account: how its last pod ended says more than the Job's
   * BackoffLimitExceeded (review J4). A container the kernel killed for memory is OOMKilled;
   * otherwise the Job's reason, with the exit code and termination message (the trainer's last log
   * lines). A run past its deadline is that, whatever its pods' exit codes.
   */
  private static void failedWithoutResult(
      FineTuneJob job,
      Job trainer,
      JobCondition failed,
      FineTuneJobStatusAggregator aggregator,
      KubernetesClient client) {
    FineTuneJobReason reason = FineTuneJobReasons.ofJob(failed.getReason());
    Optional<TrainerTermination> ended =
        reason == FineTuneJobReason.DeadlineExceeded
            ? Optional.empty()
            : TrainerTermination.lastOf(
                client,
                ns(job),
                trainer.getMetadata().getName(),
                FineTuneJobResources.TRAINER_CONTAINER);
    if (ended.isPresent() && ended.get().oomKilled()) {
      aggregator.failed(
          FineTuneJobReason.OOMKilled,
          "the trainer was killed for exceeding its memory limit ("
              + ended.get().describe()
              + "); raise spec.resources.limits.memory");
      return;
    }
    String message = failed.getMessage() == null ? "" : failed.getMessage();
    aggregator.failed(
        reason,
        ended
            .map(e -> (message.isEmpty() ? "" : message + "; ") + "last " + e.describe())
            .orElse(message));
  }

  /**
   * The trainer's own account of a failed Job; empty when it left none or it cannot be read (the
   * Job's reason is then reported: the run failed either way).
   */
  /** The Job's Failed condition decides; an unreadable result.json only loses the run's reason. */
  private static Optional<RunResult> failedRunResult(RunOutcomes.Failed failed) {
    try {
      return failed.result();
    } catch (StorageFailure failure) {
      return Optional.empty();
    }
  }

  private static String ns(FineTuneJob job) {
    return job.getMetadata().getNamespace();
  }

  private static SecretReference creds(FineTuneJob job) {
    return job.getSpec().output().credentialsSecretRef();
  }

  /**
   * Deletes the trainer Job (a running trainer stops at once) and its ConfigMap: both are owned by
   * the FineTuneJob, so the garbage collector would remove them too, but not before the FineTuneJob
   * is gone. Then, with {@code deleteCheckpointsOnDeletion}, deletes the run's checkpoints. Object
   * storage being down must not keep the FineTuneJob forever: the deletion is retried with back-off
   * for {@code checkpoint-cleanup-timeout} after the deletion request, then the checkpoints are
   * left in place and a Warning Event says where.
   */
  @Override
  public DeleteControl cleanup(FineTuneJob job, Context<FineTuneJob> context) {
    String name = FineTuneJobResources.trainerName(job);
    var client = context.getClient();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns(job))
        .withName(name)
        .withPropagationPolicy(DeletionPropagation.BACKGROUND)
        .delete();
    client.configMaps().inNamespace(ns(job)).withName(name).delete();
    String uid = job.getMetadata().getUid();
    if (!Boolean.TRUE.equals(job.getSpec().deleteCheckpointsOnDeletion())) {
      return DeleteControl.defaultDelete();
    }
    String where = RunCheckpoints.of(job).toString();
    try {
      int deleted = checkpoints.delete(job);
      cleanupFailures.remove(uid);
      recorder.record(
          job,
          EventRecorder.Type.Normal,
          "CheckpointsDeleted",
          "deleted " + deleted + " checkpoint objects under " + where);
      return DeleteControl.defaultDelete();
    } catch (StorageFailure failure) {
      // Retrying will not help (credentials gone, access denied): say so and let go.
      cleanupFailures.remove(uid);
      recorder.record(
          job,
          EventRecorder.Type.Warning,
          "CheckpointsKept",
          "checkpoints left under " + where + ": " + failure.getMessage());
      return DeleteControl.defaultDelete();
    } catch (ObjectStoreException e) {
      Instant requested =
          job.getMetadata().getDeletionTimestamp() == null
              ? clock.instant()
              : Instant.parse(job.getMetadata().getDeletionTimestamp());
      if (!clock.instant().isBefore(requested.plus(config.checkpointCleanupTimeout()))) {
        cleanupFailures.remove(uid);
        recorder.record(
            job,
            EventRecorder.Type.Warning,
            "CheckpointsKept",
            "object storage unreachable for "
                + config.checkpointCleanupTimeout().toSeconds()
                + " s; checkpoints left under "
                + where
                + ": "
                + Failures.message(e));
        return DeleteControl.defaultDelete();
      }
      int failures = cleanupFailures.merge(uid, 1, Integer::sum);
      if (failures == 1) {
        recorder.record(
            job,
            EventRecorder.Type.Warning,
            "CheckpointCleanupRetrying",
            "cannot delete the checkpoints under " + where + " yet: " + Failures.message(e));
      }
      long delay =
          Math.min(
              CLEANUP_RETRY_MAX.toMillis(), CLEANUP_RETRY.toMillis() << Math.min(failures - 1, 10));
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(delay);
    }
  }

  @Override
  public ErrorStatusUpdateControl<FineTuneJob> updateErrorStatus(
      FineTuneJob job, Context<FineTuneJob> context, Exception e) {
    FineTuneJobStatus previous = job.getStatus();
    FineTuneJobPhase phase =
        previous == null || previous.phase() == null ? FineTuneJobPhase.Pending : previous.phase();
    FineTuneJobPhase retried = phase == FineTuneJobPhase.Failed ? FineTuneJobPhase.Pending : phase;
    return errors.update(
        job,
        e,
        new ErrorStatuses.KindStatus<>() {
          @Override
          public FineTuneJobStatus rejected(String message) {
            // The trainer Job or its ConfigMap built from the spec is invalid: retrying cannot
            // help. Permanent, as for BaseModel and MergePolicy: Degraded and not progressing. The
            // spec of a run cannot change after creation, so the run has failed: delete and
            // create it again.
            return new FineTuneJobStatusAggregator(job, clock)
                .run(retried, "refused by the API server")
                .blockedBy(FineTuneJobReason.RejectedByApiServer, message)
                .build(FineTuneJobObservation.of(previous, null, null, null));
          }

          @Override
          public FineTuneJobStatus retrying(boolean objectStore, Throwable cause) {
            return new FineTuneJobStatusAggregator(job, clock)
                .run(retried, "retrying")
                .retrying(
                    objectStore
                        ? FineTuneJobReason.ObjectStoreUnavailable
                        : FineTuneJobReason.ReconcileFailed,
                    Failures.message(cause))
                .build(FineTuneJobObservation.of(previous, null, null, null));
          }
        });
  }
}
