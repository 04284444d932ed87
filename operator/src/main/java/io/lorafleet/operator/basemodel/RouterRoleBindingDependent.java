package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import jakarta.enterprise.context.ApplicationScoped;

/** Binds the router's Role to its ServiceAccount. */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = RouterResources.SELECTOR))
public class RouterRoleBindingDependent
    extends CRUDKubernetesDependentResource<RoleBinding, BaseModel> {
  public RouterRoleBindingDependent() {
    super(RoleBinding.class);
  }

  @Override
  protected RoleBinding desired(BaseModel model, Context<BaseModel> context) {
    return RouterWorkload.roleBinding(model);
  }
}
