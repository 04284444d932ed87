package io.lorafleet.operator.mergepolicy;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyReason;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyStatus;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyStatusAggregator;
import io.lorafleet.operator.basemodel.BaseModelDependents;
import io.lorafleet.operator.events.ErrorStatuses;
import io.lorafleet.operator.events.StatusUpdates;
import io.lorafleet.operator.jobs.RunOutcomes;
import io.lorafleet.operator.loraadapter.PublishedAdapters;
import io.lorafleet.operator.reconcile.Failures;
import io.lorafleet.operator.storage.StorageFailure;
import io.lorafleet.operator.storage.StorageProblem;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Merges the sources of a MergePolicy once they are all Ready, with every source pinned to its
 * digest, and publishes the result as a LoraAdapter. When a source's digest or the spec changes,
 * the merge runs again; the previous output keeps serving until the new one is published. The
 * workflow (merge.json, then the merge Job) starts a merge; this class gates it and reads how the
 * merge ended.
 */
@ControllerConfiguration(name = MergePolicyReconciler.NAME)
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "merge-config", type = MergeConfigMapDependent.class),
      @Dependent(name = "merge-job", type = MergeJobDependent.class, dependsOn = "merge-config")
    })
public class MergePolicyReconciler implements Reconciler<MergePolicy> {
  public static final String NAME = "mergepolicy";
  static final String BY_ADAPTER = "by-adapter";

  private final KubernetesClient client;
  private final RunOutcomes runs;
  private final PublishedAdapters outputs;
  private final StatusUpdates statuses;
  private final ErrorStatuses errors;
  private final Clock clock;

  public MergePolicyReconciler(
      KubernetesClient client,
      RunOutcomes runs,
      PublishedAdapters outputs,
      StatusUpdates statuses,
      ErrorStatuses errors,
      Clock clock) {
    this.client = client;
    this.runs = runs;
    this.outputs = outputs;
    this.statuses = statuses;
    this.errors = errors;
    this.clock = clock;
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** The sources and the base model; the merge Jobs and ConfigMaps come with the dependents. */
  @Override
  public List<EventSource<?, MergePolicy>> prepareEventSources(
      EventSourceContext<MergePolicy> context) {
    var cache = context.getPrimaryCache();
    cache.addIndexer(
        BY_ADAPTER,
        p ->
            p.getSpec().sources().stream()
                .map(s -> key(p.getMetadata().getNamespace(), s.adapter()))
                .toList());
    return List.of(
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(LoraAdapter.class, MergePolicy.class)
                .withName("sources")
                .withSecondaryToPrimaryMapper(
                    (LoraAdapter a) ->
                        cache
                            .byIndex(
                                BY_ADAPTER,
                                key(a.getMetadata().getNamespace(), a.getMetadata().getName()))
                            .stream()
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper(
                    (MergePolicy p) ->
                        p.getSpec().sources().stream()
                            .map(s -> new ResourceID(s.adapter(), p.getMetadata().getNamespace()))
                            .collect(Collectors.toSet()))
                .build(),
            context),
        BaseModelDependents.eventSource(
            MergePolicy.class, context, p -> p.getSpec().baseModelRef().name()));
  }

  @Override
  public UpdateControl<MergePolicy> reconcile(MergePolicy policy, Context<MergePolicy> context) {
    MergePolicyStatusAggregator aggregator = new MergePolicyStatusAggregator(policy, clock);
    MergePolicyStatus kept = MergePolicyObservation.kept(policy);
    Optional<BaseModel> base = context.getSecondaryResource(BaseModel.class);
    Optional<BaseModelDependents.Wait> wait =
        BaseModelDependents.unresolved(
            base, policy.getSpec().baseModelRef().name(), policy.getMetadata().getNamespace());
    if (wait.isPresent()) {
      // MergePolicy has one reason for both: the BaseModel is not there to merge against yet.
      aggregator.waitingFor(MergePolicyReason.BaseModelNotFound, wait.get().message());
      return statuses.patch(policy, aggregator.build(kept));
    }
    SourceCheck sources = SourceCheck.of(policy, context.getSecondaryResources(LoraAdapter.class));
    if (sources instanceof SourceCheck.Mismatch mismatch) {
      aggregator.blockedBy(MergePolicyReason.SourceBaseModelMismatch, mismatch.message());
      return statuses.patch(policy, aggregator.build(kept));
    }
    if (sources instanceof SourceCheck.Waiting waiting) {
      aggregator.waitingFor(waiting.reason(), waiting.message());
      return statuses.patch(policy, aggregator.build(kept));
    }
    MergeRun run = MergeRun.of(policy, base.get(), ((SourceCheck.Ready) sources).adapters());
    try {
      return merge(policy, context, run, aggregator);
    } catch (StorageFailure failure) {
      aggregator.blockedBy(
          failure.problem() == StorageProblem.ENDPOINT_NOT_ALLOWED
              ? MergePolicyReason.EndpointNotAllowed
              : MergePolicyReason.MergeFailed,
          failure.getMessage());
      return statuses.patch(policy, aggregator.build(kept));
    }
  }

  private UpdateControl<MergePolicy> merge(
      MergePolicy policy,
      Context<MergePolicy> context,
      MergeRun run,
      MergePolicyStatusAggregator aggregator)
      throws StorageFailure {
    Set<Job> jobs = context.getSecondaryResources(Job.class);
    if (run.publishedIn(policy.getStatus())) {
      SupersededMerges.delete(client, jobs, run.name());
      return statuses.patch(policy, aggregator.outputCurrent(true).build(policy.getStatus()));
    }
    MergePolicyStatus kept = MergePolicyObservation.kept(policy);
    Optional<Job> job =
        jobs.stream().filter(j -> j.getMetadata().getName().equals(run.name())).findFirst();
    if (job.isEmpty()) {
      run.handTo(context);
      context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
      return statuses.patch(policy, aggregator.merging(true).build(kept));
    }
    String namespace = policy.getMetadata().getNamespace();
    RunOutcomes.Outcome outcome =
        runs.of(
            job.get(),
            namespace,
            policy.getSpec().output().credentialsSecretRef(),
            MergePolicyResources.runDirectory(policy, run.key()));
    if (outcome instanceof RunOutcomes.NoResult) {
      aggregator.blockedBy(
          MergePolicyReason.MergeFailed, "the merge " + RunOutcomes.NoResult.MESSAGE);
      return statuses.patch(policy, aggregator.build(kept));
    }
    if (outcome instanceof RunOutcomes.Produced produced) {
      outputs.publishOutput(
          namespace,
          policy.getSpec().output(),
          policy.getSpec().baseModelRef().name(),
          produced.adapter(),
          Map.of(MergePolicyResources.MERGE_POLICY, policy.getMetadata().getName()));
      MergePolicyStatus merged = MergePolicyObservation.merged(policy, run, produced, clock);
      SupersededMerges.delete(client, jobs, run.name());
      return statuses.patch(policy, aggregator.outputCurrent(true).build(merged));
    }
    if (outcome instanceof RunOutcomes.Failed failed) {
      aggregator.blockedBy(MergePolicyReason.MergeFailed, MergePolicyObservation.failure(failed));
      return statuses.patch(policy, aggregator.build(kept));
    }
    return statuses.patch(policy, aggregator.merging(true).build(kept));
  }

  @Override
  public ErrorStatusUpdateControl<MergePolicy> updateErrorStatus(
      MergePolicy policy, Context<MergePolicy> context, Exception e) {
    MergePolicyStatus kept = MergePolicyObservation.kept(policy);
    return errors.update(
        policy,
        e,
        new ErrorStatuses.KindStatus<>() {
          @Override
          public MergePolicyStatus rejected(String message) {
            return new MergePolicyStatusAggregator(policy, clock)
                .blockedBy(MergePolicyReason.RejectedByApiServer, message)
                .build(kept);
          }

          @Override
          public MergePolicyStatus retrying(boolean objectStore, Throwable cause) {
            return new MergePolicyStatusAggregator(policy, clock)
                .retrying(
                    objectStore
                        ? MergePolicyReason.ObjectStoreUnavailable
                        : MergePolicyReason.ReconcileFailed,
                    Failures.message(cause))
                .build(kept);
          }
        });
  }
}
