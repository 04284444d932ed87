package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import jakarta.enterprise.context.ApplicationScoped;

/** The serving pool's PodDisruptionBudget: one serving pod evicted at a time (both runtimes). */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = BaseModelResources.SERVING_SELECTOR))
public class ServingDisruptionBudgetDependent
    extends CRUDKubernetesDependentResource<PodDisruptionBudget, BaseModel> {
  public ServingDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(BaseModel model, Context<BaseModel> context) {
    return ServingWorkload.disruptionBudget(model);
  }
}
