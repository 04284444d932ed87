package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.ComputeResources;

/**
 * The pool router the operator runs in front of a builtin serving pool: it sends each request to a
 * pod that holds the adapter (or will load it once), so every adapter of the pool is reachable
 * through the pool's Service whichever pod holds it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.replicas) || (self.replicas >= 0 && self.replicas <= 100)",
    message = "router replicas must be between 0 and 100",
    fieldPath = ".replicas")
public record RouterSpec(
    @JsonPropertyDescription(
            "Router pods (stateless; each follows the pool by itself). 0 runs no router and the"
                + " pool's Service then has no endpoints. Default 2, with a PodDisruptionBudget"
                + " that keeps one available.")
        @Default("2")
        Integer replicas,
    @JsonPropertyDescription(
            "Router container resources; default a request of 250m CPU and 512Mi of memory"
                + " (limit equal).")
        ComputeResources resources) {

  public static final int DEFAULT_REPLICAS = 2;

  /** The replicas the spec asks for, the default when the block or the field is absent. */
  public static int replicasOf(RouterSpec router) {
    return router == null || router.replicas() == null ? DEFAULT_REPLICAS : router.replicas();
  }
}
