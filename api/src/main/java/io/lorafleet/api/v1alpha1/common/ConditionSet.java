package io.lorafleet.api.v1alpha1.common;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the next list of conditions from the previous one. A condition whose status did not change
 * keeps its lastTransitionTime, so re-reconciling an unchanged resource writes an identical status
 * (and therefore no patch). Every condition is stamped with the generation it describes.
 */
public final class ConditionSet {
  private final List<Condition> previous;
  private final long generation;
  private final Instant now;
  private final Map<ConditionType, Condition> next = new EnumMap<>(ConditionType.class);

  public ConditionSet(List<Condition> previous, long generation, Instant now) {
    this.previous = previous == null ? List.of() : previous;
    this.generation = generation;
    this.now = now.truncatedTo(ChronoUnit.SECONDS);
  }

  public ConditionSet set(
      ConditionType type, boolean value, ConditionReason reason, String message) {
    ConditionStatus status = ConditionStatus.of(value);
    String since =
        previous.stream()
            .filter(c -> c.is(type) && c.status() == status && c.lastTransitionTime() != null)
            .map(Condition::lastTransitionTime)
            .findFirst()
            .orElse(now.toString());
    next.put(type, new Condition(type.name(), status, reason.name(), message, since, generation));
    return this;
  }

  /** The decided conditions, in the order of {@link ConditionType}. */
  public List<Condition> toList() {
    if (next.size() != ConditionType.values().length) {
      throw new IllegalStateException("every condition type must be decided, got " + next.keySet());
    }
    return List.copyOf(new ArrayList<>(next.values()));
  }
}
