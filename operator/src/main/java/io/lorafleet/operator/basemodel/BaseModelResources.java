package io.lorafleet.operator.basemodel;

import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatus;
import io.lorafleet.operator.reconcile.KubernetesNames;
import java.util.Map;
import java.util.Objects;

/** Names and labels of everything the operator owns for a BaseModel. */
public final class BaseModelResources {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "lorafleet-operator";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String SERVER = "server";
  public static final String BASE_MODEL = "lorafleet.io/base-model";

  /** Selector the dependents' informers use: only objects this operator made. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;

  /**
   * Selector of the serving Deployment's and public Service's informers: the router's objects of
   * the same kinds carry another component.
   */
  public static final String SERVING_SELECTOR = COMPONENT + "=" + SERVER + "," + MANAGED_SELECTOR;

  public static final String ADMIN_TOKEN_KEY = "token";
  public static final String ADMIN_TOKEN_DIR = "/var/run/lorafleet/admin";

  private BaseModelResources() {}

  /** Deployment and Service of the serving pool. */
  public static String servingName(BaseModel model) {
    return KubernetesNames.label("serving-", model.getMetadata().getName());
  }

  /** Secret with the bearer token of the pool's admin API. */
  public static String adminTokenSecretName(BaseModel model) {
    return KubernetesNames.label("admin-token-", model.getMetadata().getName());
  }

  /** Labels that select the serving pods of one base model. */
  public static Map<String, String> selector(BaseModel model) {
    return Map.of(COMPONENT, SERVER, BASE_MODEL, model.getMetadata().getName());
  }

  public static Map<String, String> labels(BaseModel model) {
    return Map.of(
        COMPONENT, SERVER, BASE_MODEL, model.getMetadata().getName(), MANAGED_BY, OPERATOR);
  }

  /**
   * Whether an update of a BaseModel matters to the kinds that depend on it (adapters, training
   * runs, merges): every change does except one of {@code status.capacity} alone, which follows
   * every finished load and must not reconcile every adapter of the pool again.
   */
  public static boolean mattersToDependents(BaseModel after, BaseModel before) {
    if (before == null
        || !Objects.equals(before.getSpec(), after.getSpec())
        || !Objects.equals(
            before.getMetadata().getGeneration(), after.getMetadata().getGeneration())
        || !Objects.equals(
            before.getMetadata().getDeletionTimestamp(),
            after.getMetadata().getDeletionTimestamp())) {
      return true;
    }
    return !Objects.equals(withoutCapacity(before.getStatus()), withoutCapacity(after.getStatus()));
  }

  private static BaseModelStatus withoutCapacity(BaseModelStatus status) {
    return status == null
        ? null
        : new BaseModelStatus(
            status.observedGeneration(),
            status.conditions(),
            status.digest(),
            status.architecture(),
            status.replicas(),
            status.readyReplicas(),
            null);
  }
}
