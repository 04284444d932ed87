package io.lorafleet.operator.reconcile;

import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.common.Toleration;
import java.util.List;

/** Our documented API types as the Kubernetes core types they mirror. */
public final class CoreTypes {
  private CoreTypes() {}

  public static ResourceRequirements resources(ComputeResources resources) {
    if (resources == null) {
      return null;
    }
    return new ResourceRequirementsBuilder()
        .withRequests(resources.requests())
        .withLimits(resources.limits())
        .build();
  }

  public static List<io.fabric8.kubernetes.api.model.Toleration> tolerations(
      List<Toleration> tolerations) {
    if (tolerations == null) {
      return null;
    }
    return tolerations.stream()
        .map(
            t ->
                new TolerationBuilder()
                    .withKey(t.key())
                    .withOperator(wireName(t.operator()))
                    .withValue(t.value())
                    .withEffect(wireName(t.effect()))
                    .withTolerationSeconds(t.tolerationSeconds())
                    .build())
        .toList();
  }

  /** The enum's JSON name (Exists, NoSchedule, ...), as Kubernetes spells it. */
  private static String wireName(Enum<?> value) {
    return value == null ? null : Serialization.jsonMapper().convertValue(value, String.class);
  }
}
