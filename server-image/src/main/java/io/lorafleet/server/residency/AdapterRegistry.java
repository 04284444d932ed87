package io.lorafleet.server.residency;

import io.lorafleet.server.state.StateChanges;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Served name to current version. Swapping a name to a new version is one map write, so a request
 * sees either the old or the new version, never a mix; the old one is retired and leaves the device
 * once its running sequences finish.
 */
@ApplicationScoped
public class AdapterRegistry {
  private final Map<String, AdapterVersion> byName = new ConcurrentHashMap<>();
  private final HostCache host;
  private final StateChanges changes;

  AdapterRegistry(HostCache host, StateChanges changes) {
    this.host = host;
    this.changes = changes;
  }

  public AdapterVersion get(String name) {
    return byName.get(name);
  }

  public List<AdapterVersion> all() {
    return byName.values().stream().sorted(Comparator.comparing(AdapterVersion::name)).toList();
  }

  public int size() {
    return byName.size();
  }

  /** Makes {@code v} the version served under its name; returns the version it replaced. */
  public synchronized AdapterVersion register(AdapterVersion v) {
    AdapterVersion old = byName.put(v.name(), v);
    if (old != null) {
      old.retire();
      host.drop(old);
    }
    changes.changed();
    return old;
  }

  /** Removes the name; returns the version that was served, or null when none was. */
  public synchronized AdapterVersion unregister(String name) {
    AdapterVersion old = byName.remove(name);
    if (old != null) {
      old.retire();
      host.drop(old);
    }
    changes.changed();
    return old;
  }
}
