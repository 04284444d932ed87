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
 * Immutable: {@link #with} returns a new table, so a running batch never sees a half-added slot.
 */
public final class AdapterTable {
  private static final LinearModule[] MODULES = LinearModule.values();

  private final int layers;
  private final List<LoadedAdapter> slots;
  // [layer][module ordinal][slot]; the lm_head lives at index `layers`.
  private final LoraPair[][][] pairs;
  private final int maxRank;

  private AdapterTable(int layers, List<LoadedAdapter> slots) {
    this.layers = layers;
    this.slots = List.copyOf(slots);
    this.pairs = new LoraPair[layers + 1][MODULES.length][slots.size()];
    int r = 0;
    for (int s = 0; s < slots.size(); s++) {
      for (Map.Entry<ModuleKey, LoraPair> e : slots.get(s).modules().entrySet()) {
        int layer = e.getKey().module() == LinearModule.LM_HEAD ? layers : e.getKey().layer();
        pairs[layer][e.getKey().module().ordinal()][s] = e.getValue();
      }
      r = Math.max(r, slots.get(s).maxRank());
    }
    this.maxRank = r;
  }

  public static AdapterTable empty(int layers) {
    return new AdapterTable(layers, List.of());
  }

  /** A table with {@code adapter} in the next free slot ({@link #size()} before the call). */
  public AdapterTable with(LoadedAdapter adapter) {
    List<LoadedAdapter> next = new ArrayList<>(slots);
    next.add(adapter);
    return new AdapterTable(layers, next);
  }

  public int size() {
    return slots.size();
  }

  public LoadedAdapter adapter(int slot) {
    return slots.get(slot);
  }

  /** Slot of the adapter with this name, or -1. */
  public int slotOf(String name) {
    for (int s = 0; s < slots.size(); s++) {
      if (slots.get(s).name().equals(name)) {
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
