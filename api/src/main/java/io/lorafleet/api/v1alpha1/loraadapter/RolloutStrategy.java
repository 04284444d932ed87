package io.lorafleet.api.v1alpha1.loraadapter;

/** How a new adapter version replaces the one being served. */
public enum RolloutStrategy {
  /** Every pod swaps to the new version at once (atomic per pod). */
  Immediate,
  /**
   * Traffic moves to the new version in weighted steps, loaded as {@code <servedName>@canary} next
   * to the stable version, until it is promoted or rolled back (docs/operator.md).
   */
  Canary
}
