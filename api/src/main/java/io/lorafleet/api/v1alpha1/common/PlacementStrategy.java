package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the operator picks serving pods when an adapter goes on fewer than all of them. */
public enum PlacementStrategy {
  /** Pods that hold the fewest adapters first. */
  @JsonProperty("fewest-adapters")
  FEWEST_ADAPTERS,
  /** Pods with the most free device slots first. */
  @JsonProperty("most-free-slots")
  MOST_FREE_SLOTS
}
