package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One serving pod that reports the adapter's resolved version resident in one of its tiers (device,
 * host memory or disk), from the pod's own state report (GET /v1/pod/state, the endpoint the router
 * follows), and why it is there. The tier itself is not shown: under traffic it changes with every
 * cold load, and each change would be a status write.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResidentCopy(
    @JsonPropertyDescription("Serving pod name.") String pod,
    @JsonPropertyDescription(
            "Warm: a copy placement.replicas keeps on this pod (pinned). Demand: loaded by"
                + " requests routed here; the pod's LRU tiers retire it when it goes cold.")
        CopyKind kind) {

  /** Why a copy is on its pod. */
  public enum CopyKind {
    Warm,
    Demand
  }
}
