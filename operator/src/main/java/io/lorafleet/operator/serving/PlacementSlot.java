package io.lorafleet.operator.serving;

import java.time.Instant;

/**
 * Where one adapter version stands on one pod incarnation ({@code restarts}): loading, loaded,
 * refused or failed, with the pod's reason and when it was decided.
 */
public record PlacementSlot(
    String digest, int restarts, Phase phase, String code, String message, Instant at) {

  /** Where a load stands on one pod. */
  public enum Phase {
    LOADING,
    /** The pod reported the expected digest under the served name. */
    LOADED,
    /** The pod refused the adapter (HTTP 400 with a reason): retrying will not help. */
    REFUSED,
    /** Network or server error: retried after a delay. */
    FAILED
  }

  /** Loaded, or a load in flight: the slot takes one of the pod's adapter slots. */
  boolean takesASlot() {
    return phase == Phase.LOADED || phase == Phase.LOADING;
  }

  /** This load's end: same version and incarnation, another phase. */
  PlacementSlot ended(Phase phase, String code, String message, Instant at) {
    return new PlacementSlot(digest, restarts, phase, code, message, at);
  }
}
