package io.lorafleet.api.v1alpha1.common;

import java.util.List;
import java.util.Optional;

/** What every Lorafleet status has: the generation it describes and its conditions. */
public interface LorafleetStatus {
  Long observedGeneration();

  List<Condition> conditions();

  default Optional<Condition> condition(ConditionType type) {
    return conditions() == null
        ? Optional.empty()
        : conditions().stream().filter(c -> c.is(type)).findFirst();
  }
}
