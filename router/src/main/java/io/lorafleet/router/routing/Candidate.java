package io.lorafleet.router.routing;

import io.lorafleet.router.pool.PodStatus.Tier;

/**
 * A pod that can serve a request: where the adapter sits there ({@code tier}), how many requests it
 * has ({@code outstanding}) and how many sequences it runs at once ({@code capacity}).
 */
public record Candidate(String pod, Tier tier, int outstanding, int capacity) {
  boolean free() {
    return outstanding < capacity;
  }

  double load() {
    return (double) outstanding / capacity;
  }
}
