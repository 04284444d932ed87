package io.lorafleet.router.rollout;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;

/**
 * The traffic splits in force, by served name. A request reads it with one map lookup (an empty map
 * when no rollout is active); the rollout source replaces the whole map at every change.
 */
@ApplicationScoped
public class RolloutSplits {
  private volatile Map<String, RolloutSplit> byServedName = Map.of();

  /** The split of a served name, or null when its traffic is not split. */
  public RolloutSplit of(String servedName) {
    return byServedName.get(servedName);
  }

  public Collection<RolloutSplit> all() {
    return byServedName.values();
  }

  Map<String, RolloutSplit> current() {
    return byServedName;
  }

  public void set(Map<String, RolloutSplit> splits) {
    byServedName = Map.copyOf(splits);
  }
}
