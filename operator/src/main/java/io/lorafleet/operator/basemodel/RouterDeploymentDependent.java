package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** The pool router's Deployment (builtin pools). */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = RouterResources.SELECTOR))
public class RouterDeploymentDependent
    extends CRUDKubernetesDependentResource<Deployment, BaseModel> {
  private final OperatorConfig config;

  public RouterDeploymentDependent(OperatorConfig config) {
    super(Deployment.class);
    this.config = config;
  }

  /** {@link AdditionsOnly} on copies whose quantities are written one way (no update loop). */
  @Override
  public io.javaoperatorsdk.operator.processing.dependent.Matcher.Result<Deployment> match(
      Deployment actual, Deployment desired, BaseModel model, Context<BaseModel> context) {
    return io.javaoperatorsdk.operator.processing.dependent.Matcher.Result.computed(
        AdditionsOnly.upToDate(CanonicalQuantities.of(desired), CanonicalQuantities.of(actual)),
        desired);
  }

  @Override
  protected Deployment desired(BaseModel model, Context<BaseModel> context) {
    return AppliedSpec.stamp(RouterWorkload.deployment(model, config));
  }
}
