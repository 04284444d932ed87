package io.lorafleet.api.v1alpha1.loraadapter;

/** How a new adapter version replaces the one being served. */
public enum RolloutStrategy {
  /** Every pod swaps to the new version at once (atomic per pod). */
  Immediate,
  /**
   * Traffic moves to the new version in weighted steps. NOT BUILT YET: the operator refuses it with
   * reason RolloutStrategyNotSupported and serves nothing new.
   */
  Canary
}
