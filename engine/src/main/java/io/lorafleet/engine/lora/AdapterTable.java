package io.lorafleet.engine.lora;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.engine.backend.LoraPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The adapters of one model by slot, arranged as the kernels want them: for each (layer, module) an
 * array indexed by slot whose entry is null when that adapter does not adapt that module.
 * Immutable: {@link #with} and {@link #without} return new tables, so a running batch keeps the
 * table it started with, and a removed adapter's slot stays empty (never renumbered) until a later
 * adapter reuses it.
 */
public final class AdapterTable {
  private static final LinearModule[] MODULES = LinearModule.values();

  private final int layers;
  private final List<LoadedAdapter> slots; // null = free slot
  // [layer][module ordinal][slot]; the lm_head lives at index `layers`.
  private final LoraPair[][][] pairs;
  private final int maxRank;

  private AdapterTable(int layers, List<LoadedAdapter> slots) {
    this.layers = layers;
    this.slots = new ArrayList<>(slots);
    this.pairs = new LoraPair[layers + 1][MODULES.length][slots.size()];
    int r = 0;
    for (int s = 0; s < slots.size(); s++) {
      LoadedAdapter a = slots.get(s);
      if (a == null) {
        continue;
      }
      for (Map.Entry<ModuleKey, LoraPair> e : a.modules().entrySet()) {
        int layer = e.getKey().module() == LinearModule.LM_HEAD ? layers : e.getKey().layer();
        pairs[layer][e.getKey().module().ordinal()][s] = e.getValue();
      }
      r = Math.max(r, a.maxRank());
    }
    this.maxRank = r;
  }

  public static AdapterTable empty(int layers) {
    return new AdapterTable(layers, List.of());
  }

  /** A table with {@code adapter} in the lowest free slot (see {@link #slotOf}). */
  public AdapterTable with(LoadedAdapter adapter) {
    if (slotOf(adapter.name()) >= 0) {
      throw new IllegalArgumentException("adapter " + adapter.name() + " is already loaded");
    }
    List<LoadedAdapter> next = new ArrayList<>(slots);
    int free = next.indexOf(null);
    if (free >= 0) {
      next.set(free, adapter);
    } else {
      next.add(adapter);
    }
    return new AdapterTable(layers, next);
  }

  /** A table without the named adapter; its slot becomes free. Unknown names are a no-op. */
  public AdapterTable without(String name) {
    int slot = slotOf(name);
    if (slot < 0) {
      return this;
    }
    List<LoadedAdapter> next = new ArrayList<>(slots);
    next.set(slot, null);
    return new AdapterTable(layers, next);
  }

  /** Number of slots, free ones included: valid slot numbers are below this. */
  public int size() {
    return slots.size();
  }

  /** The adapter in a slot, or null when the slot is free. */
  public LoadedAdapter adapter(int slot) {
    return slots.get(slot);
  }

  /** Slot of the adapter with this name, or -1. */
  public int slotOf(String name) {
    for (int s = 0; s < slots.size(); s++) {
      if (slots.get(s) != null && slots.get(s).name().equals(name)) {
        return s;
      }
    }
    return -1;
  }

  /** Pairs by slot for a decoder-layer module (layer is ignored for lm_head). */
  public LoraPair[] pairs(int layer, LinearModule module) {
    return pairs[module == LinearModule.LM_HEAD ? layers : layer][module.ordinal()];
  }

  public int maxRank() {
    return maxRank;
  }
}
