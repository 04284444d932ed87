package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** The serving pool's Deployment. */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = BaseModelResources.SERVING_SELECTOR))
public class ServingDeploymentDependent
    extends CRUDKubernetesDependentResource<Deployment, BaseModel> {
  private final OperatorConfig config;

  public ServingDeploymentDependent(OperatorConfig config) {
    super(Deployment.class);
    this.config = config;
  }

  @Override
  protected Deployment desired(BaseModel model, Context<BaseModel> context) {
    return AppliedSpec.stamp(ServingWorkload.deployment(model, config));
  }

  /**
   * {@link AdditionsOnly} (the spec it was written from, server defaults tolerated, someone else's
   * edit undone) on copies whose quantities are written one way (review P2: a BaseModel is
   * reconciled after every finished adapter load). Not JOSDK's generic matcher: it folds a
   * defaulted value equal to another desired value into a "copy" and takes that for a change, so a
   * one-replica pool (probe {@code successThreshold} and {@code timeoutSeconds} default to 1, as
   * {@code replicas}) was PUT again on every reconcile, racing the Deployment controller into 409s.
   */
  @Override
  public Matcher.Result<Deployment> match(
      Deployment actual, Deployment desired, BaseModel model, Context<BaseModel> context) {
    return Matcher.Result.computed(upToDate(actual, desired), desired);
  }

  static boolean upToDate(Deployment actual, Deployment desired) {
    return AdditionsOnly.upToDate(CanonicalQuantities.of(desired), CanonicalQuantities.of(actual));
  }
}
