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
   * Up to date when it was written from the spec desired now ({@link AppliedSpec}: otherwise a
   * field the operator stops setting would stay) and the stored spec differs from the desired one
   * only by what the API server added (defaults) and carries the desired labels ({@link
   * AdditionsOnly}: someone else's edit of a field the operator sets is undone), compared on copies
   * whose quantities are written one way (review P2: a BaseModel is reconciled after every finished
   * adapter load). Not JOSDK's generic matcher: it folds a defaulted value equal to another desired
   * value into a "copy" and takes that for a change, so a one-replica pool (probe {@code
   * successThreshold} and {@code timeoutSeconds} default to 1, as {@code replicas}) was PUT again
   * on every reconcile, racing the Deployment controller into 409s.
   */
  @Override
  public Matcher.Result<Deployment> match(
      Deployment actual, Deployment desired, BaseModel model, Context<BaseModel> context) {
    return Matcher.Result.computed(upToDate(actual, desired), desired);
  }

  static boolean upToDate(Deployment actual, Deployment desired) {
    return AppliedSpec.same(desired, actual)
        && AdditionsOnly.upToDate(CanonicalQuantities.of(desired), CanonicalQuantities.of(actual));
  }
}
