package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** The serving pool's Service (OpenAI and admin API). */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = BaseModelResources.SERVING_SELECTOR))
public class ServingServiceDependent extends CRUDKubernetesDependentResource<Service, BaseModel> {
  private final OperatorConfig config;

  public ServingServiceDependent(OperatorConfig config) {
    super(Service.class);
    this.config = config;
  }

  @Override
  protected Service desired(BaseModel model, Context<BaseModel> context) {
    return ServingWorkload.service(model, config);
  }
}
