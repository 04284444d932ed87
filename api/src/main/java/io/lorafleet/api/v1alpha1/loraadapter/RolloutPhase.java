package io.lorafleet.api.v1alpha1.loraadapter;

/**
 * Where a canary rollout stands ({@code status.rollout.phase}). The router splits a served name's
 * traffic only in {@link #Progressing} and {@link #Paused}, at {@code status.rollout.weight}.
 */
public enum RolloutPhase {
  /** The evaluation gate is scoring the new version; it receives no traffic yet. */
  Evaluating,
  /** The new version receives {@code weight} percent of requests and the steps advance. */
  Progressing,
  /** Held at the current step until a person (or the spec) lets it continue. */
  Paused,
  /** The new version became the stable one and receives all traffic. */
  Promoted,
  /** The new version failed a gate or was aborted: all traffic is back on stable. */
  RolledBack
}
