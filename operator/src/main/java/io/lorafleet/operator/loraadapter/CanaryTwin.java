package io.lorafleet.operator.loraadapter;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;

/**
 * The identity under which the operator remembers an adapter's canary version on the pods: the
 * adapter itself with a derived UID, so its {@code @canary} loads and registrations have slots of
 * their own next to the stable version's, while finished loads still reconcile the adapter (same
 * name and namespace).
 */
final class CanaryTwin {
  private static final String UID_SUFFIX = "/canary";

  private CanaryTwin() {}

  static LoraAdapter of(LoraAdapter adapter) {
    LoraAdapter twin = new LoraAdapter();
    twin.setMetadata(
        new ObjectMetaBuilder(adapter.getMetadata())
            .withUid(adapter.getMetadata().getUid() + UID_SUFFIX)
            .build());
    twin.setSpec(adapter.getSpec());
    return twin;
  }
}
