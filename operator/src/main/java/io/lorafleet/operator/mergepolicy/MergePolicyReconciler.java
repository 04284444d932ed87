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
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.jobs.MergeConfig;
import io.lorafleet.api.v1alpha1.jobs.RunResult;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicy;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyReason;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyStatus;
import io.lorafleet.api.v1alpha1.mergepolicy.MergePolicyStatusAggregator;
import io.lorafleet.api.v1alpha1.mergepolicy.MergeSource;
import io.lorafleet.api.v1alpha1.mergepolicy.MergedAdapter;
import io.lorafleet.api.v1alpha1.mergepolicy.SourceDigest;
import io.lorafleet.operator.basemodel.BaseModelDependents;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.events.ErrorStatuses;
import io.lorafleet.operator.events.StatusUpdates;
import io.lorafleet.operator.jobs.RunOutcomes;
import io.lorafleet.operator.loraadapter.PublishedAdapters;
import io.lorafleet.operator.reconcile.Failures;
import io.lorafleet.operator.storage.StorageFailure;
import io.lorafleet.operator.storage.StorageProblem;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Merges the sources of a MergePolicy once they are all Ready, with every source pinned to its
 * digest, and publishes the result as a LoraAdapter. When a source's digest or the spec changes,
 * the merge runs again; the previous output keeps serving until the new one is published.
 */
@ControllerConfiguration(name = MergePolicyReconciler.NAME)
public class MergePolicyReconciler implements Reconciler<MergePolicy> {
  public static final String NAME = "mergepolicy";
  static final String BY_ADAPTER = "by-adapter";

  private final KubernetesClient client;
  private final RunOutcomes runs;
  private final PublishedAdapters outputs;
  private final OperatorConfig config;
  private final StatusUpdates statuses;
  private final ErrorStatuses errors;
  private final Clock clock;

  public MergePolicyReconciler(
      KubernetesClient client,
      RunOutcomes runs,
      PublishedAdapters outputs,
      OperatorConfig config,
      StatusUpdates statuses,
      ErrorStatuses errors,
      Clock clock) {
    this.client = client;
    this.runs = runs;
    this.outputs = outputs;
    this.config = config;
    this.statuses = statuses;
    this.errors = errors;
    this.clock = clock;
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

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
    Function<String, Function<io.fabric8.kubernetes.api.model.HasMetadata, Set<ResourceID>>>
        byIndex =
            index ->
                r ->
                    cache
                        .byIndex(
                            index, key(r.getMetadata().getNamespace(), r.getMetadata().getName()))
                        .stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet());
    return List.of(
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(LoraAdapter.class, MergePolicy.class)
                .withName("sources")
                .withSecondaryToPrimaryMapper(a -> byIndex.apply(BY_ADAPTER).apply(a))
                .withPrimaryToSecondaryMapper(
                    (MergePolicy p) ->
                        p.getSpec().sources().stream()
                            .map(s -> new ResourceID(s.adapter(), p.getMetadata().getNamespace()))
                            .collect(Collectors.toSet()))
                .build(),
            context),
        BaseModelDependents.eventSource(
            MergePolicy.class, context, p -> p.getSpec().baseModelRef().name()),
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, MergePolicy.class)
                .withName("merge-jobs")
                .withLabelSelector(
                    BaseModelResources.COMPONENT
                        + "="
                        + MergePolicyResources.MERGER
                        + ","
                        + BaseModelResources.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(
                    j ->
                        Set.of(
                            new ResourceID(
                                j.getMetadata().getLabels().get(MergePolicyResources.MERGE_POLICY),
                                j.getMetadata().getNamespace())))
                // No primary-to-secondary mapper: JOSDK indexes the Jobs by the mapper above.
                .build(),
            context));
  }

  @Override
  public UpdateControl<MergePolicy> reconcile(MergePolicy policy, Context<MergePolicy> context) {
    MergePolicyStatusAggregator aggregator = new MergePolicyStatusAggregator(policy, clock);
    MergePolicyStatus previous = policy.getStatus();
    MergePolicyStatus kept =
        previous != null ? previous : new MergePolicyStatus(null, null, null, null, null, null);
    Optional<BaseModel> base = context.getSecondaryResource(BaseModel.class);
    Optional<BaseModelDependents.Wait> wait =
        BaseModelDependents.unresolved(
            base, policy.getSpec().baseModelRef().name(), policy.getMetadata().getNamespace());
    if (wait.isPresent()) {
      // MergePolicy has one reason for both: the BaseModel is not there to merge against yet.
      aggregator.waitingFor(MergePolicyReason.BaseModelNotFound, wait.get().message());
      return statuses.patch(policy, aggregator.build(kept));
    }
    Map<String, LoraAdapter> adapters =
        context.getSecondaryResources(LoraAdapter.class).stream()
            .collect(Collectors.toMap(a -> a.getMetadata().getName(), a -> a));
    List<LoraAdapter> sources = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> notReady = new ArrayList<>();
    for (MergeSource source : policy.getSpec().sources()) {
      LoraAdapter adapter = adapters.get(source.adapter());
      if (adapter == null) {
        missing.add(source.adapter());
      } else if (!adapter.getSpec().baseModelRef().equals(policy.getSpec().baseModelRef())) {
        aggregator.blockedBy(
            MergePolicyReason.SourceBaseModelMismatch,
            "source "
                + source.adapter()
                + " is an adapter of BaseModel "
                + adapter.getSpec().baseModelRef().name()
                + ", not of "
                + policy.getSpec().baseModelRef().name());
        return statuses.patch(policy, aggregator.build(kept));
      } else if (adapter.getStatus() == null
          || adapter.getStatus().digest() == null
          || !adapter.isReady()) {
        notReady.add(source.adapter());
      } else {
        sources.add(adapter);
      }
    }
    if (!missing.isEmpty() || !notReady.isEmpty()) {
      aggregator.waitingFor(
          missing.isEmpty()
              ? MergePolicyReason.WaitingForSources
              : MergePolicyReason.SourceNotFound,
          !missing.isEmpty()
              ? "sources not found: " + String.join(", ", missing)
              : "sources not ready: " + String.join(", ", notReady));
      return statuses.patch(policy, aggregator.build(kept));
    }
    List<SourceDigest> digests =
        sources.stream()
            .map(a -> new SourceDigest(a.getMetadata().getName(), a.getStatus().digest()))
            .toList();
    String key =
        MergePolicyResources.key(policy, digests.stream().map(SourceDigest::digest).toList());
    try {
      return merge(policy, context, base.get(), sources, digests, key, aggregator);
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
      BaseModel base,
      List<LoraAdapter> sources,
      List<SourceDigest> digests,
      String key,
      MergePolicyStatusAggregator aggregator)
      throws StorageFailure {
    MergePolicyStatus previous = policy.getStatus();
    String jobName = MergePolicyResources.mergeName(policy, key);
    boolean current =
        previous != null
            && previous.output() != null
            && digests.equals(previous.sourceDigests())
            && jobName.equals(previous.jobName());
    List<Job> jobs = List.copyOf(context.getSecondaryResources(Job.class));
    Optional<Job> job =
        jobs.stream().filter(j -> j.getMetadata().getName().equals(jobName)).findFirst();
    if (current) {
      deleteOtherMerges(policy, jobs, jobName);
      return statuses.patch(policy, aggregator.outputCurrent(true).build(previous));
    }
    MergePolicyStatus kept =
        previous != null ? previous : new MergePolicyStatus(null, null, null, null, null, null);
    if (job.isEmpty()) {
      List<MergeConfig.Source> pinned = new ArrayList<>();
      for (int i = 0; i < sources.size(); i++) {
        pinned.add(
            MergeWorkload.source(sources.get(i), policy.getSpec().sources().get(i).weight()));
      }
      var ns =
          client
              .resources(io.fabric8.kubernetes.api.model.ConfigMap.class)
              .inNamespace(policy.getMetadata().getNamespace());
      ns.resource(MergeWorkload.configMap(policy, key, MergeConfigs.of(policy, base, pinned, key)))
          .createOr(c -> c.update());
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(policy.getMetadata().getNamespace())
          .resource(MergeWorkload.job(policy, key, base, sources, config))
          .create();
      return statuses.patch(policy, aggregator.merging(true).build(kept));
    }
    var namespace = policy.getMetadata().getNamespace();
    var credentials = policy.getSpec().output().credentialsSecretRef();
    var run = MergePolicyResources.runDirectory(policy, key);
    RunOutcomes.Outcome outcome = runs.of(job.get(), namespace, credentials, run);
    if (outcome instanceof RunOutcomes.NoResult) {
      aggregator.blockedBy(
          MergePolicyReason.MergeFailed, "the merge " + RunOutcomes.NoResult.MESSAGE);
      return statuses.patch(policy, aggregator.build(kept));
    }
    if (outcome instanceof RunOutcomes.Produced produced) {
      RunResult.Adapter adapter = produced.adapter();
      outputs.publishOutput(
          namespace,
          policy.getSpec().output(),
          policy.getSpec().baseModelRef().name(),
          adapter,
          Map.of(MergePolicyResources.MERGE_POLICY, policy.getMetadata().getName()));
      Object error =
          produced.result().metrics() == null
              ? null
              : produced.result().metrics().get("truncationError");
      MergePolicyStatus merged =
          new MergePolicyStatus(
              null,
              null,
              digests,
              new MergedAdapter(
                  policy.getSpec().output().adapterName(),
                  adapter.digest(),
                  adapter.uri(),
                  error instanceof Number n ? n.doubleValue() : null),
              jobName,
              clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
      deleteOtherMerges(policy, jobs, jobName);
      return statuses.patch(policy, aggregator.outputCurrent(true).build(merged));
    }
    if (outcome instanceof RunOutcomes.Failed failed) {
      // An unreadable result.json is a storage failure here (EndpointNotAllowed or MergeFailed).
      Optional<RunResult> result = failed.result();
      aggregator.blockedBy(
          MergePolicyReason.MergeFailed,
          result
              .map(r -> Objects.toString(r.reason(), "failed") + ": " + r.message())
              .orElse(Objects.toString(failed.condition().getMessage(), "merge Job failed")));
      return statuses.patch(policy, aggregator.build(kept));
    }
    return statuses.patch(policy, aggregator.merging(true).build(kept));
  }

  /** Older merges of this policy are history once a newer output is current. */
  private void deleteOtherMerges(MergePolicy policy, List<Job> jobs, String currentJob) {
    for (Job job : jobs) {
      if (!job.getMetadata().getName().equals(currentJob)) {
        client
            .resource(job)
            .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
            .delete();
        client
            .configMaps()
            .inNamespace(job.getMetadata().getNamespace())
            .withName(job.getMetadata().getName())
            .delete();
      }
    }
  }

  @Override
  public ErrorStatusUpdateControl<MergePolicy> updateErrorStatus(
      MergePolicy policy, Context<MergePolicy> context, Exception e) {
    MergePolicyStatus kept =
        policy.getStatus() != null
            ? policy.getStatus()
            : new MergePolicyStatus(null, null, null, null, null, null);
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
