package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import jakarta.enterprise.context.ApplicationScoped;

/** The router's ServiceAccount. */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = RouterResources.SELECTOR))
public class RouterServiceAccountDependent
    extends CRUDKubernetesDependentResource<ServiceAccount, BaseModel> {
  public RouterServiceAccountDependent() {
    super(ServiceAccount.class);
  }

  @Override
  protected ServiceAccount desired(BaseModel model, Context<BaseModel> context) {
    return RouterWorkload.serviceAccount(model);
  }
}
