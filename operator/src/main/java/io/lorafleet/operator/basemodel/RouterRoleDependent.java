package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.rbac.Role;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import jakarta.enterprise.context.ApplicationScoped;

/** The router's Role: list and watch EndpointSlices in the pool's namespace, nothing else. */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = RouterResources.SELECTOR))
public class RouterRoleDependent extends CRUDKubernetesDependentResource<Role, BaseModel> {
  public RouterRoleDependent() {
    super(Role.class);
  }

  @Override
  protected Role desired(BaseModel model, Context<BaseModel> context) {
    return RouterWorkload.role(model);
  }
}
