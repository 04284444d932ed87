package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;

/**
 * Reconcile precondition of the router's objects: a builtin pool. On a vLLM pool they are not made
 * (and deleted when a pool changes runtime).
 */
public class RoutedPool implements Condition<HasMetadata, BaseModel> {
  @Override
  public boolean isMet(
      DependentResource<HasMetadata, BaseModel> dependentResource,
      BaseModel model,
      Context<BaseModel> context) {
    return RouterResources.routed(model);
  }
}
