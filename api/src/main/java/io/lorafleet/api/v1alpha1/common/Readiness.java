package io.lorafleet.api.v1alpha1.common;

import io.fabric8.kubernetes.client.CustomResource;
import java.util.Objects;

/**
 * The readiness rule that Argo CD and Flux health checks apply: the status describes the current
 * spec generation and its Ready condition is True.
 */
public final class Readiness {
  private Readiness() {}

  public static boolean isReady(CustomResource<?, ? extends LorafleetStatus> resource) {
    LorafleetStatus status = resource.getStatus();
    if (status == null || resource.getMetadata() == null) {
      return false;
    }
    return Objects.equals(status.observedGeneration(), resource.getMetadata().getGeneration())
        && status.condition(ConditionType.Ready).map(Condition::isTrue).orElse(false);
  }
}
