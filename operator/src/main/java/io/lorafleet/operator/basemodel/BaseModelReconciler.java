package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelReason;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatus;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatusAggregator;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.operator.events.StatusUpdates;
import io.lorafleet.operator.reconcile.Failures;
import io.lorafleet.operator.storage.ResolvedModel;
import io.lorafleet.operator.storage.StorageFailure;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Resolves a BaseModel's source (config.json in object storage), then owns its serving Deployment
 * and Service. The dependents run only after the source resolved: a pool is never started for a
 * model that cannot be read.
 */
@ControllerConfiguration(
    name = BaseModelReconciler.NAME,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "serving-deployment", type = ServingDeploymentDependent.class),
      @Dependent(name = "serving-service", type = ServingServiceDependent.class)
    })
public class BaseModelReconciler implements Reconciler<BaseModel> {
  public static final String NAME = "basemodel";
  private final ResolvedModels models;
  private final AdminTokens adminTokens;
  private final StatusUpdates statuses;
  private final Clock clock;

  public BaseModelReconciler(
      ResolvedModels models, AdminTokens adminTokens, StatusUpdates statuses, Clock clock) {
    this.models = models;
    this.adminTokens = adminTokens;
    this.statuses = statuses;
    this.clock = clock;
  }

  @Override
  public UpdateControl<BaseModel> reconcile(BaseModel model, Context<BaseModel> context) {
    BaseModelStatusAggregator aggregator = new BaseModelStatusAggregator(model, clock);
    ResolvedModel resolved;
    try {
      resolved = models.resolve(model);
    } catch (StorageFailure failure) {
      aggregator.blockedBy(BaseModelReasons.of(failure.problem()), failure.getMessage());
      return statuses.patch(
          model, aggregator.build(BaseModelObservation.unresolved(model.getStatus())));
    }
    adminTokens.ensure(model);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    Deployment deployment = context.getSecondaryResource(Deployment.class).orElse(null);
    BaseModelStatus observed = BaseModelObservation.of(resolved, deployment);
    aggregator
        .resolved(true)
        .replicas(model.getSpec().serving().replicas(), observed.readyReplicas());
    return statuses.patch(model, aggregator.build(observed));
  }

  /** Transient failures: report them as Degraded, keep what was known, and let JOSDK retry. */
  @Override
  public ErrorStatusUpdateControl<BaseModel> updateErrorStatus(
      BaseModel model, Context<BaseModel> context, Exception e) {
    BaseModelStatus previous = model.getStatus();
    Throwable cause = Failures.rootOf(e, ObjectStoreException.class);
    BaseModelReason reason =
        cause instanceof ObjectStoreException
            ? BaseModelReason.ObjectStoreUnavailable
            : BaseModelReason.ReconcileFailed;
    BaseModelStatus status =
        new BaseModelStatusAggregator(model, clock)
            .resolved(previous != null && previous.digest() != null)
            .replicas(
                model.getSpec().serving().replicas(),
                previous == null || previous.readyReplicas() == null ? 0 : previous.readyReplicas())
            .retrying(
                reason, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
            .build(previous == null ? BaseModelObservation.unresolved(null) : previous);
    return statuses.patchOnError(model, status);
  }
}
