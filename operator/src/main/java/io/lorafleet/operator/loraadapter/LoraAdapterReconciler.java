package io.lorafleet.operator.loraadapter;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterReason;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatus;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatusAggregator;
import io.lorafleet.artifacts.compat.CompatibilityChecker;
import io.lorafleet.artifacts.compat.CompatibilityLimits;
import io.lorafleet.artifacts.compat.CompatibilityReport;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.operator.basemodel.BaseModelDependents;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.events.EventRecorder;
import io.lorafleet.operator.events.StatusUpdates;
import io.lorafleet.operator.loraadapter.evaluation.EvaluationGate;
import io.lorafleet.operator.loraadapter.evaluation.EvaluationResources;
import io.lorafleet.operator.reconcile.Failures;
import io.lorafleet.operator.serving.Placements;
import io.lorafleet.operator.serving.PodStates;
import io.lorafleet.operator.serving.ServingPod;
import io.lorafleet.operator.storage.AdapterArtifactResolver;
import io.lorafleet.operator.storage.ResolvedAdapter;
import io.lorafleet.operator.storage.ResolvedModel;
import io.lorafleet.operator.storage.ResolvedSources;
import io.lorafleet.operator.storage.StorageFailure;
import io.lorafleet.serving.pod.CanaryName;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Validates a LoraAdapter's artifact against its base model, then loads it onto the chosen serving
 * pods and reports Ready only when those pods confirm the resolved digest. Driven by events: the
 * BaseModel, the serving pods (new, restarted, deleted) and finished loads.
 */
@ControllerConfiguration(
    name = LoraAdapterReconciler.NAME,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class LoraAdapterReconciler implements Reconciler<LoraAdapter>, Cleaner<LoraAdapter> {
  public static final String NAME = "loraadapter";
  static final String SERVING_PODS =
      BaseModelResources.COMPONENT
          + "="
          + BaseModelResources.SERVER
          + ","
          + BaseModelResources.MANAGED_SELECTOR;
  private static final Duration RETRY_LOAD_AFTER = ServedVersionPlacer.RETRY_LOAD_AFTER;

  /** How long a cleanup waits for the unloads it started; most pods answer in milliseconds. */
  private static final Duration RELEASE_GRACE = Duration.ofSeconds(2);

  /** How soon a cleanup looks again at unloads still unanswered (bounded by the unload timeout). */
  private static final Duration CHECK_RELEASES_AFTER = Duration.ofSeconds(1);

  private final AdapterReleases releases = new AdapterReleases();

  private final ResolvedSources sources;
  private final PoolPods pools;
  private final CanaryRollouts canaries;
  private final Placements placements;
  private final Registrations registrations;
  private final StatusUpdates statuses;
  private final AdapterArtifactResolver resolver;
  private final EventRecorder recorder;
  private final Clock clock;
  private final OperatorConfig config;
  private final PodStates podStates;
  private final EvaluationGate evaluations;

  public LoraAdapterReconciler(
      ResolvedSources sources,
      PoolPods pools,
      CanaryRollouts canaries,
      Placements placements,
      Registrations registrations,
      StatusUpdates statuses,
      AdapterArtifactResolver resolver,
      EventRecorder recorder,
      OperatorConfig config,
      PodStates podStates,
      EvaluationGate evaluations,
      Clock clock) {
    this.config = config;
    this.evaluations = evaluations;
    this.podStates = podStates;
    this.sources = sources;
    this.resolver = resolver;
    this.recorder = recorder;
    this.pools = pools;
    this.canaries = canaries;
    this.placements = placements;
    this.registrations = registrations;
    this.statuses = statuses;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, LoraAdapter>> prepareEventSources(
      EventSourceContext<LoraAdapter> context) {
    InformerEventSource<BaseModel, LoraAdapter> baseModels =
        BaseModelDependents.eventSource(
            LoraAdapter.class, context, a -> a.getSpec().baseModelRef().name());
    InformerEventSource<Pod, LoraAdapter> pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, LoraAdapter.class)
                .withName("serving-pods")
                .withLabelSelector(SERVING_PODS)
                .withSecondaryToPrimaryMapper(
                    pod ->
                        adaptersOf(
                            context,
                            pod.getMetadata().getNamespace(),
                            pod.getMetadata().getLabels().get(BaseModelResources.BASE_MODEL)))
                .build(),
            context);
    // The evaluation gate's Jobs, mapped to their adapter by the owner reference (a label value
    // cannot hold every adapter name).
    InformerEventSource<Job, LoraAdapter> evaluationJobs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Job.class, LoraAdapter.class)
                .withName("evaluation-jobs")
                .withLabelSelector(EvaluationResources.SELECTOR)
                .withSecondaryToPrimaryMapper(
                    job ->
                        job.getMetadata().getOwnerReferences().stream()
                            .filter(o -> HasMetadata.getKind(LoraAdapter.class).equals(o.getKind()))
                            .map(o -> new ResourceID(o.getName(), job.getMetadata().getNamespace()))
                            .collect(Collectors.toSet()))
                .build(),
            context);
    evaluations.bind(evaluationJobs);
    pools.bind(pods);
    SimpleInboundEventSource<LoraAdapter> loads = new SimpleInboundEventSource<>("adapter-loads");
    placements.bind(loads);
    registrations.bind(loads);
    // A copy that appeared, left or moved on a pod: only the adapters under those names.
    podStates.bind(
        (namespace, baseModel, names) ->
            BaseModelDependents.of(context, namespace, baseModel).stream()
                .filter(a -> names.contains(servedName(a)))
                .map(ResourceID::fromResource)
                .forEach(loads::propagateEvent));
    return List.of(pods, baseModels, loads, evaluationJobs);
  }

  private static Set<ResourceID> adaptersOf(
      EventSourceContext<LoraAdapter> context, String namespace, String baseModel) {
    return BaseModelDependents.ids(BaseModelDependents.of(context, namespace, baseModel));
  }

  @Override
  public UpdateControl<LoraAdapter> reconcile(LoraAdapter adapter, Context<LoraAdapter> context) {
    LoraAdapterStatusAggregator aggregator = new LoraAdapterStatusAggregator(adapter, clock);
    String servedName = servedName(adapter);
    String baseName = adapter.getSpec().baseModelRef().name();
    Optional<BaseModel> base = context.getSecondaryResource(BaseModel.class);
    if (base.isEmpty()) {
      aggregator.waitingFor(
          LoraAdapterReason.BaseModelNotFound,
          "BaseModel "
              + baseName
              + " does not exist in namespace "
              + adapter.getMetadata().getNamespace());
      return statuses.patch(
          adapter, aggregator.build(LoraAdapterObservation.unresolved(servedName)));
    }
    Optional<String> refusal = CanaryRollouts.refusal(adapter);
    if (refusal.isPresent()) {
      // Refused, not ignored: pods keep what they hold and nothing new is loaded.
      aggregator.blockedBy(LoraAdapterReason.InvalidRollout, refusal.get());
      LoraAdapterStatus previous = adapter.getStatus();
      return statuses.patch(
          adapter,
          aggregator.build(
              previous == null ? LoraAdapterObservation.unresolved(servedName) : previous));
    }
    ResolvedAdapter artifact;
    try {
      artifact = sources.adapter(adapter);
    } catch (StorageFailure failure) {
      aggregator.blockedBy(LoraAdapterReasons.of(failure.problem()), failure.getMessage());
      return statuses.patch(
          adapter, aggregator.build(LoraAdapterObservation.unresolved(servedName)));
    }
    ResolvedModel baseModel;
    try {
      baseModel = sources.model(base.get());
    } catch (StorageFailure failure) {
      aggregator.waitingFor(
          LoraAdapterReason.BaseModelNotReady,
          "BaseModel " + baseName + " cannot be read: " + failure.getMessage());
      return statuses.patch(
          adapter, aggregator.build(LoraAdapterObservation.unresolved(servedName)));
    }
    CompatibilityReport report =
        CompatibilityChecker.check(
            artifact.config(),
            artifact.tensors(),
            baseModel.config(),
            CompatibilityLimits.maxRank(base.get().getSpec().serving().adapterSlots().maxRank()));
    if (!report.compatible()) {
      aggregator.blockedBy(
          LoraAdapterReasons.of(report.problems().getFirst().reason()), report.summary());
      return statuses.patch(
          adapter, aggregator.build(LoraAdapterObservation.of(artifact, servedName, 0, List.of())));
    }
    if (adapter.getSpec().wantsCanary()) {
      return canaries.reconcile(adapter, base.get(), artifact, servedName, aggregator);
    }
    return canaries.serveStable(adapter, base.get(), artifact, servedName, aggregator, null);
  }

  @Override
  public DeleteControl cleanup(LoraAdapter adapter, Context<LoraAdapter> context) {
    Optional<BaseModel> base = context.getSecondaryResource(BaseModel.class);
    String uid = adapter.getMetadata().getUid();
    if (base.isPresent()) {
      AdapterReleases.Progress progress;
      try {
        progress = releases.check(uid, () -> startReleases(adapter, base.get()), RELEASE_GRACE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(RETRY_LOAD_AFTER.toMillis());
      }
      if (!progress.succeeded()) {
        if (!unloadTimedOut(adapter)) {
          // Keep the finalizer: the adapter must not stay served after its resource is gone.
          if (progress.finished()) {
            releases.forget(uid); // every pod answered, some with a failure: ask them again
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(RETRY_LOAD_AFTER.toMillis());
          }
          return DeleteControl.noFinalizerRemoval()
              .rescheduleAfter(CHECK_RELEASES_AFTER.toMillis());
        }
        // Bounded: a broken pod must not hold the deletion (and its namespace) for ever.
        pools.forgetToken(base.get());
        recorder.record(
            adapter,
            EventRecorder.Type.Warning,
            "UnloadAbandoned",
            "gave up after "
                + config.adapterUnloadTimeout().toSeconds()
                + " s; may still be loaded on: "
                + String.join(", ", progress.notUnloaded()));
      }
    }
    if (Boolean.TRUE.equals(adapter.getSpec().deleteArtifactOnRemoval())) {
      deleteArtifact(adapter, context);
    }
    releases.forget(uid);
    placements.forget(adapter);
    registrations.forget(adapter);
    placements.forget(CanaryTwin.of(adapter));
    registrations.forget(CanaryTwin.of(adapter));
    return DeleteControl.defaultDelete();
  }

  /** Unloads the adapter from every ready pod of its pool, and unregisters it on builtin pods. */
  private List<AdapterReleases.Release> startReleases(LoraAdapter adapter, BaseModel base) {
    String token = pools.token(base);
    boolean builtin = base.getSpec().serving().runtime() != ServingRuntime.VLLM;
    List<AdapterReleases.Release> started = new ArrayList<>();
    boolean hadCanary =
        adapter.getStatus() != null
            && adapter.getStatus().rollout() != null
            && adapter.getStatus().rollout().canaryDigest() != null;
    LoraAdapter twin = CanaryTwin.of(adapter);
    String canaryName = CanaryName.of(servedName(adapter));
    for (ServingPod pod : pools.ready(base)) {
      if (hadCanary) {
        // A canary (or one being unloaded) goes with its adapter.
        started.add(
            new AdapterReleases.Release(pod, placements.release(twin, pod, canaryName, token)));
        if (builtin) {
          started.add(
              new AdapterReleases.Release(
                  pod, registrations.release(twin, pod, canaryName, token)));
        }
      }
      started.add(
          new AdapterReleases.Release(
              pod, placements.release(adapter, pod, servedName(adapter), token)));
      if (builtin) {
        // Unregistered too, so no request loads it again on demand (the pod unloads it).
        started.add(
            new AdapterReleases.Release(
                pod, registrations.release(adapter, pod, servedName(adapter), token)));
      }
    }
    return started;
  }

  private boolean unloadTimedOut(LoraAdapter adapter) {
    String deletion = adapter.getMetadata().getDeletionTimestamp();
    java.time.Instant requested =
        deletion == null ? clock.instant() : java.time.Instant.parse(deletion);
    return !clock.instant().isBefore(requested.plus(config.adapterUnloadTimeout()));
  }

  /**
   * Deletes the served version from object storage, unless another LoraAdapter serves the same
   * digest: removing one adapter must never break another.
   */
  private void deleteArtifact(LoraAdapter adapter, Context<LoraAdapter> context) {
    String digest = adapter.getStatus() == null ? null : adapter.getStatus().digest();
    if (digest == null) {
      return;
    }
    boolean shared =
        context
            .getPrimaryCache()
            .list(adapter.getMetadata().getNamespace())
            .anyMatch(
                other ->
                    !other.getMetadata().getUid().equals(adapter.getMetadata().getUid())
                        && other.getStatus() != null
                        && digest.equals(other.getStatus().digest()));
    if (shared) {
      recorder.record(
          adapter,
          EventRecorder.Type.Normal,
          "ArtifactKept",
          "version " + digest + " is kept: another LoraAdapter serves it");
      return;
    }
    try {
      resolver.delete(adapter.getMetadata().getNamespace(), adapter.getSpec().artifact(), digest);
      recorder.record(
          adapter, EventRecorder.Type.Normal, "ArtifactDeleted", "deleted version " + digest);
    } catch (StorageFailure failure) {
      // The adapter is gone from every pod; a version we may not delete stays, and says why.
      recorder.record(
          adapter, EventRecorder.Type.Warning, "ArtifactNotDeleted", failure.getMessage());
    }
  }

  @Override
  public ErrorStatusUpdateControl<LoraAdapter> updateErrorStatus(
      LoraAdapter adapter, Context<LoraAdapter> context, Exception e) {
    LoraAdapterStatus previous = adapter.getStatus();
    Throwable cause = Failures.rootOf(e, ObjectStoreException.class);
    LoraAdapterReason reason =
        cause instanceof ObjectStoreException
            ? LoraAdapterReason.ObjectStoreUnavailable
            : LoraAdapterReason.LoadFailed;
    LoraAdapterStatus observed =
        previous == null ? LoraAdapterObservation.unresolved(servedName(adapter)) : previous;
    LoraAdapterStatus status =
        new LoraAdapterStatusAggregator(adapter, clock)
            .resolved(observed.digest() != null)
            .replicas(orZero(observed.desiredReplicas()), orZero(observed.readyReplicas()))
            .retrying(reason, Failures.message(cause))
            .build(observed);
    return statuses.patchOnError(adapter, status);
  }

  static String servedName(LoraAdapter adapter) {
    String served = adapter.getSpec().servedName();
    return served != null ? served : adapter.getMetadata().getName();
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
