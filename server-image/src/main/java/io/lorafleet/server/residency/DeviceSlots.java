package io.lorafleet.server.residency;

import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.server.metrics.ServerMetrics;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device tier: the engine's active {@link AdapterTable}, at most {@code maxLoaded} versions.
 * Only the engine thread touches it. A slot with running sequences is never freed or reused, so a
 * sequence's slot always holds the exact weights it was admitted with; when every slot is busy and
 * another adapter waits, the least recently used slot stops taking new sequences (drains) and is
 * freed once its last sequence finishes.
 */
public final class DeviceSlots {
  private static final class Slot {
    final LoadedAdapter weights;
    int running;
    boolean draining;
    long lastUsed;

    Slot(LoadedAdapter weights) {
      this.weights = weights;
    }
  }

  private final int maxLoaded;
  private final ServerMetrics metrics;
  private final Map<AdapterVersion, Slot> resident = new IdentityHashMap<>();
  private AdapterTable table;
  private long clock;
  private long changes;

  public DeviceSlots(int layers, int maxLoaded, ServerMetrics metrics) {
    this.table = AdapterTable.empty(layers);
    this.maxLoaded = maxLoaded;
    this.metrics = metrics;
  }

  /** The table every forward of this step uses. */
  public AdapterTable table() {
    return table;
  }

  /** Slot that can take a new sequence of {@code v} now, or -1 (absent or draining). */
  public int admissibleSlot(AdapterVersion v) {
    Slot s = resident.get(v);
    return s == null || s.draining ? -1 : table.slotOf(v.key());
  }

  public boolean isResident(AdapterVersion v) {
    return resident.containsKey(v);
  }

  /**
   * Puts {@code v} into the table, evicting an idle version if all slots are taken. False when
   * every slot has running sequences (the caller then asks for a drain).
   */
  public boolean place(AdapterVersion v, LoadedAdapter weights) {
    if (resident.containsKey(v)) {
      return true;
    }
    if (resident.size() >= maxLoaded && !evictIdle()) {
      return false;
    }
    table = table.with(weights);
    resident.put(v, new Slot(weights));
    v.deviceSlot(table.slotOf(v.key()));
    metrics.deviceResident(resident.size());
    changes++;
    return true;
  }

  /** Stops admissions to the least recently used busy slot unless one is already draining. */
  public void requestDrain() {
    Slot victim = null;
    for (Slot s : resident.values()) {
      if (s.draining) {
        return;
      }
      if (victim == null || s.lastUsed < victim.lastUsed) {
        victim = s;
      }
    }
    if (victim != null) {
      victim.draining = true;
    }
  }

  /** Counts a sequence admitted on {@code v}; returns the weights in its slot. */
  public LoadedAdapter acquire(AdapterVersion v) {
    Slot s = resident.get(v);
    s.running++;
    s.lastUsed = ++clock;
    return s.weights;
  }

  public void release(AdapterVersion v) {
    Slot s = resident.get(v);
    s.running--;
    if (s.running == 0 && (s.draining || v.retired())) {
      evict(v);
    }
  }

  /** Frees retired versions without running sequences (after an update or an unload). */
  public void evictRetired() {
    for (AdapterVersion v : new ArrayList<>(resident.keySet())) {
      if (v.retired() && resident.get(v).running == 0) {
        evict(v);
      }
    }
  }

  public int size() {
    return resident.size();
  }

  /** Counts versions placed and evicted, so the scheduler can tell a step changed the tier. */
  public long changes() {
    return changes;
  }

  /** Names in the table with their running sequence counts (for logs and tests). */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    resident.forEach(
        (v, s) -> out.add(v.key() + ":" + s.running + (s.draining ? "(draining)" : "")));
    return out;
  }

  private boolean evictIdle() {
    AdapterVersion victim = null;
    long oldest = Long.MAX_VALUE;
    for (Map.Entry<AdapterVersion, Slot> e : resident.entrySet()) {
      if (e.getValue().running == 0 && e.getValue().lastUsed < oldest) {
        victim = e.getKey();
        oldest = e.getValue().lastUsed;
      }
    }
    if (victim == null) {
      return false;
    }
    evict(victim);
    return true;
  }

  private void evict(AdapterVersion v) {
    resident.remove(v);
    table = table.without(v.key());
    v.deviceSlot(-1);
    changes++;
    metrics.adapterEvicted("device");
    metrics.deviceResident(resident.size());
  }
}
