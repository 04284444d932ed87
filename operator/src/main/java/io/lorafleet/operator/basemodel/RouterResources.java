package io.lorafleet.operator.basemodel;

import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.RouterSpec;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.operator.reconcile.KubernetesNames;
import java.util.Map;

/**
 * Names and labels of the pool router's objects: its Deployment, ServiceAccount, Role, RoleBinding
 * and PodDisruptionBudget ({@code router-<base>}), and the headless Service of the serving pods
 * that it watches ({@code pods-<base>}). The pool's public Service keeps its name ({@code
 * serving-<base>}) and selects the router pods.
 */
public final class RouterResources {
  public static final String ROUTER = "router";

  /** The headless Service's component label (its EndpointSlices carry the serving pods). */
  public static final String POOL_PODS = "pool-pods";

  /** Selects only the router objects this operator made (their dependents' informers). */
  public static final String SELECTOR =
      BaseModelResources.COMPONENT + "=" + ROUTER + "," + BaseModelResources.MANAGED_SELECTOR;

  /** Selects only the headless pool Services this operator made. */
  public static final String POOL_PODS_SELECTOR =
      BaseModelResources.COMPONENT + "=" + POOL_PODS + "," + BaseModelResources.MANAGED_SELECTOR;

  private RouterResources() {}

  public static String name(BaseModel model) {
    return KubernetesNames.label("router-", model.getMetadata().getName());
  }

  public static String podsServiceName(BaseModel model) {
    return KubernetesNames.label("pods-", model.getMetadata().getName());
  }

  /** Labels that select the router pods of one base model. */
  public static Map<String, String> selector(BaseModel model) {
    return Map.of(
        BaseModelResources.COMPONENT,
        ROUTER,
        BaseModelResources.BASE_MODEL,
        model.getMetadata().getName());
  }

  public static Map<String, String> labels(BaseModel model) {
    return Map.of(
        BaseModelResources.COMPONENT,
        ROUTER,
        BaseModelResources.BASE_MODEL,
        model.getMetadata().getName(),
        BaseModelResources.MANAGED_BY,
        BaseModelResources.OPERATOR);
  }

  public static Map<String, String> podsServiceLabels(BaseModel model) {
    return Map.of(
        BaseModelResources.COMPONENT,
        POOL_PODS,
        BaseModelResources.BASE_MODEL,
        model.getMetadata().getName(),
        BaseModelResources.MANAGED_BY,
        BaseModelResources.OPERATOR);
  }

  /**
   * Whether the pool runs a router: builtin pools only (a vLLM pod has no pod-state endpoint, so a
   * router could not route to it; its Service keeps pointing at the pods).
   */
  public static boolean routed(BaseModel model) {
    return model.getSpec().serving().runtime() != ServingRuntime.VLLM;
  }

  /** Router pods the spec asks for (0 for a pool that runs no router). */
  public static int replicas(BaseModel model) {
    return routed(model) ? RouterSpec.replicasOf(model.getSpec().serving().router()) : 0;
  }
}
