package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import jakarta.enterprise.context.ApplicationScoped;

/** The router's PodDisruptionBudget: one router pod down at a time. */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = RouterResources.SELECTOR))
public class RouterDisruptionBudgetDependent
    extends CRUDKubernetesDependentResource<PodDisruptionBudget, BaseModel> {
  public RouterDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(BaseModel model, Context<BaseModel> context) {
    return RouterWorkload.disruptionBudget(model);
  }
}
