package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelReason;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatus;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatusAggregator;
import io.lorafleet.api.v1alpha1.basemodel.PodCapacity;
import io.lorafleet.operator.events.ErrorStatuses;
import io.lorafleet.operator.events.StatusUpdates;
import io.lorafleet.operator.serving.Placements;
import io.lorafleet.operator.serving.ServingPod;
import io.lorafleet.operator.storage.ResolvedModel;
import io.lorafleet.operator.storage.ResolvedSources;
import io.lorafleet.operator.storage.StorageFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Resolves a BaseModel's source (config.json in object storage), then owns its serving Deployment
 * and Service. The dependents run only after the source resolved: a pool is never started for a
 * model that cannot be read. {@code status.capacity} comes from the serving pods (an informer) and
 * the operator's placement registry, never from asking the pods.
 */
@ControllerConfiguration(
    name = BaseModelReconciler.NAME,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "serving-deployment", type = ServingDeploymentDependent.class),
      @Dependent(name = "serving-service", type = ServingServiceDependent.class),
      @Dependent(name = "pool-pods-service", type = PoolPodsServiceDependent.class),
      @Dependent(name = "serving-disruption-budget", type = ServingDisruptionBudgetDependent.class),
      @Dependent(
          name = "router-service-account",
          type = RouterServiceAccountDependent.class,
          reconcilePrecondition = RoutedPool.class),
      @Dependent(
          name = "router-role",
          type = RouterRoleDependent.class,
          reconcilePrecondition = RoutedPool.class),
      @Dependent(
          name = "router-role-binding",
          type = RouterRoleBindingDependent.class,
          reconcilePrecondition = RoutedPool.class,
          dependsOn = {"router-role", "router-service-account"}),
      @Dependent(
          name = "router-deployment",
          type = RouterDeploymentDependent.class,
          reconcilePrecondition = RoutedPool.class,
          dependsOn = "router-role-binding"),
      @Dependent(
          name = "router-disruption-budget",
          type = RouterDisruptionBudgetDependent.class,
          reconcilePrecondition = RoutedPool.class)
    })
public class BaseModelReconciler implements Reconciler<BaseModel> {
  public static final String NAME = "basemodel";
  static final String SERVING_DEPLOYMENT = "serving-deployment";
  static final String ROUTER_DEPLOYMENT = "router-deployment";

  /** How soon a pool waiting for its inference token Secret looks for it again. */
  static final Duration LOOK_FOR_TOKEN_SECRET = Duration.ofSeconds(10);

  private final ResolvedSources sources;
  private final AdminTokens adminTokens;
  private final InferenceTokenSecrets inferenceTokens;
  private final StatusUpdates statuses;
  private final ErrorStatuses errors;
  private final Placements placements;
  private final ServingPodOwners owners;
  private final Clock clock;

  public BaseModelReconciler(
      ResolvedSources sources,
      AdminTokens adminTokens,
      InferenceTokenSecrets inferenceTokens,
      StatusUpdates statuses,
      ErrorStatuses errors,
      Placements placements,
      ServingPodOwners owners,
      Clock clock) {
    this.inferenceTokens = inferenceTokens;
    this.owners = owners;
    this.sources = sources;
    this.adminTokens = adminTokens;
    this.statuses = statuses;
    this.errors = errors;
    this.placements = placements;
    this.clock = clock;
  }

  /**
   * The pool's pods (for the capacity per pod) and finished loads or unloads on them (the placement
   * registry reports those; the pods do not change when an adapter is loaded).
   */
  @Override
  public List<EventSource<?, BaseModel>> prepareEventSources(
      EventSourceContext<BaseModel> context) {
    InformerEventSource<Pod, BaseModel> pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, BaseModel.class)
                .withName("serving-pods")
                .withLabelSelector(
                    BaseModelResources.COMPONENT
                        + "="
                        + BaseModelResources.SERVER
                        + ","
                        + BaseModelResources.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(
                    pod -> {
                      String model =
                          pod.getMetadata().getLabels().get(BaseModelResources.BASE_MODEL);
                      return model == null
                          ? Set.of()
                          : Set.of(new ResourceID(model, pod.getMetadata().getNamespace()));
                    })
                .build(),
            context);
    SimpleInboundEventSource<BaseModel> loads = new SimpleInboundEventSource<>("pool-loads");
    placements.bindPools(loads);
    return List.of(pods, loads);
  }

  @Override
  public UpdateControl<BaseModel> reconcile(BaseModel model, Context<BaseModel> context) {
    BaseModelStatusAggregator aggregator = new BaseModelStatusAggregator(model, clock);
    ResolvedModel resolved;
    try {
      resolved = sources.model(model);
    } catch (StorageFailure failure) {
      aggregator.blockedBy(BaseModelReasons.of(failure.problem()), failure.getMessage());
      return statuses.patch(
          model, aggregator.build(BaseModelObservation.unresolved(model.getStatus())));
    }
    Optional<String> tokenProblem = inferenceTokens.problem(model);
    if (tokenProblem.isPresent()) {
      // Pods that cannot mount the token would never start: the pool and what its status says of
      // it (architecture, replicas, capacity) stay as they are until it can. The operator may not
      // watch Secrets, so it looks again: a Secret created later is seen.
      aggregator.blockedBy(BaseModelReason.InferenceTokenSecretNotFound, tokenProblem.get());
      BaseModelStatus kept =
          model.getStatus() == null ? BaseModelObservation.unresolved(null) : model.getStatus();
      return statuses.patch(model, aggregator.build(kept), LOOK_FOR_TOKEN_SECRET);
    }
    adminTokens.ensure(model);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    Deployment deployment =
        context.getSecondaryResource(Deployment.class, SERVING_DEPLOYMENT).orElse(null);
    Deployment router =
        RouterResources.routed(model)
            ? context.getSecondaryResource(Deployment.class, ROUTER_DEPLOYMENT).orElse(null)
            : null;
    List<Pod> pool = poolPods(model, context);
    BaseModelStatus observed = BaseModelObservation.of(resolved, deployment, capacity(model, pool));
    int desired = model.getSpec().serving().replicas();
    ServingRolloutState rollout = ServingRolloutState.of(deployment, desired, pool);
    aggregator
        .resolved(true)
        .router(RouterResources.replicas(model), routerAvailable(router))
        .replicas(desired, observed.readyReplicas())
        .rollout(rollout.complete(), rollout.message());
    if (rollout.problem() != null) {
      // A pod that cannot start is named by its cause; once the Deployment controller gives up
      // (ProgressDeadlineExceeded) only a change of the spec or the cluster helps.
      if (rollout.stalled()) {
        aggregator.blockedBy(rollout.problem(), rollout.message());
      } else {
        aggregator.retrying(rollout.problem(), rollout.message());
      }
    }
    return statuses.patch(model, aggregator.build(observed));
  }

  /** Router pods available now (0 before the Deployment exists or reports status). */
  private static int routerAvailable(Deployment router) {
    if (router == null || router.getStatus() == null) {
      return 0;
    }
    Integer available = router.getStatus().getAvailableReplicas();
    return available == null ? 0 : available;
  }

  /** The pool's pods: labelled for it and made by its Deployment (review T6). */
  private List<Pod> poolPods(BaseModel model, Context<BaseModel> context) {
    return context.getSecondaryResources(Pod.class).stream()
        .filter(p -> owners.isServingPodOf(p, model))
        .toList();
  }

  /**
   * Slots per ready serving pod, sorted by pod name, at most {@link
   * BaseModelStatus#MAX_CAPACITY_PODS}. A slot is taken once a load starts; the pod's limit is
   * {@code adapterSlots.maxCached} (beyond it the server evicts).
   */
  private List<PodCapacity> capacity(BaseModel model, List<Pod> pool) {
    List<ServingPod> ready =
        pool.stream()
            .map(ServingPod::of)
            .flatMap(Optional::stream)
            .sorted(Comparator.comparing(ServingPod::name))
            .limit(BaseModelStatus.MAX_CAPACITY_PODS)
            .toList();
    Map<String, Integer> used = placements.slotsUsed(ready);
    int limit = model.getSpec().serving().adapterSlots().maxCached();
    return ready.stream()
        .map(
            pod -> {
              int taken = used.getOrDefault(pod.uid(), 0);
              return new PodCapacity(pod.name(), taken, Math.max(0, limit - taken));
            })
        .toList();
  }

  /** Transient failures: report them as Degraded, keep what was known, and let JOSDK retry. */
  @Override
  public ErrorStatusUpdateControl<BaseModel> updateErrorStatus(
      BaseModel model, Context<BaseModel> context, Exception e) {
    BaseModelStatus previous = model.getStatus();
    BaseModelStatus kept = previous == null ? BaseModelObservation.unresolved(null) : previous;
    return errors.update(
        model,
        e,
        new ErrorStatuses.KindStatus<>() {
          @Override
          public BaseModelStatus rejected(String message) {
            // The serving Deployment built from the spec is invalid: only a spec change can help,
            // and that change brings the next reconcile.
            return known(model, previous)
                .blockedBy(BaseModelReason.RejectedByApiServer, message)
                .build(kept);
          }

          @Override
          public BaseModelStatus retrying(boolean objectStore, Throwable cause) {
            return known(model, previous)
                .retrying(
                    objectStore
                        ? BaseModelReason.ObjectStoreUnavailable
                        : BaseModelReason.ReconcileFailed,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                .build(kept);
          }
        });
  }

  /** An aggregator that keeps what was known: resolved or not, and the ready replicas. */
  private BaseModelStatusAggregator known(BaseModel model, BaseModelStatus previous) {
    return new BaseModelStatusAggregator(model, clock)
        .resolved(previous != null && previous.digest() != null)
        .replicas(
            model.getSpec().serving().replicas(),
            previous == null || previous.readyReplicas() == null ? 0 : previous.readyReplicas());
  }
}
