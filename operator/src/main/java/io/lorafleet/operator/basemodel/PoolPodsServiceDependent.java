package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** The headless Service of the serving pods, whose EndpointSlices the router watches. */
@ApplicationScoped
@KubernetesDependent(informer = @Informer(labelSelector = RouterResources.POOL_PODS_SELECTOR))
public class PoolPodsServiceDependent extends CRUDKubernetesDependentResource<Service, BaseModel> {
  private final OperatorConfig config;

  public PoolPodsServiceDependent(OperatorConfig config) {
    super(Service.class);
    this.config = config;
  }

  /**
   * {@link AdditionsOnly}: server defaults (clusterIPs, ipFamilies, ...) tolerated, so no update on
   * every reconcile, yet a port the operator stops declaring is taken away.
   */
  @Override
  public io.javaoperatorsdk.operator.processing.dependent.Matcher.Result<Service> match(
      Service actual, Service desired, BaseModel model, Context<BaseModel> context) {
    return io.javaoperatorsdk.operator.processing.dependent.Matcher.Result.computed(
        AdditionsOnly.upToDate(desired, actual), desired);
  }

  @Override
  protected Service desired(BaseModel model, Context<BaseModel> context) {
    return AppliedSpec.stamp(RouterWorkload.podsService(model, config));
  }
}
