package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** The serving pool's Deployment. */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = BaseModelResources.MANAGED_SELECTOR))
public class ServingDeploymentDependent
    extends CRUDKubernetesDependentResource<Deployment, BaseModel> {
  private final OperatorConfig config;

  public ServingDeploymentDependent(OperatorConfig config) {
    super(Deployment.class);
    this.config = config;
  }

  @Override
  protected Deployment desired(BaseModel model, Context<BaseModel> context) {
    return ServingWorkload.deployment(model, config);
  }
}
