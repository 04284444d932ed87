package io.lorafleet.interop;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Our engine's logits (CPU backend, weights as stored), in the peer script's layout. */
final class OurEngine {
  private static final CpuBackend BACKEND = new CpuBackend();

  private OurEngine() {}

  /** Logits of every position of each sequence, one prefill per sequence; no adapter if null. */
  static List<float[]> logits(Path modelDir, LoraAdapter adapter, List<int[]> seqs)
      throws IOException {
    LlamaModel model = LlamaModel.load(modelDir, WeightPrecision.AS_STORED, BACKEND);
    AdapterTable table = AdapterTable.empty(model.config().numHiddenLayers());
    int slot = -1;
    if (adapter != null) {
      table = table.with(LoadedAdapter.of("interop", adapter, model.config()));
      slot = 0;
    }
    List<float[]> out = new ArrayList<>();
    for (int[] seq : seqs) {
      out.add(prefill(model, table, seq, slot));
    }
    return out;
  }

  /** The {@code logits.<i>} tensors the peer script wrote, in order. */
  static List<float[]> peerLogits(Path file, int count) throws IOException {
    List<float[]> out = new ArrayList<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (int i = 0; i < count; i++) {
        out.add(f.readFloats("logits." + i));
      }
    }
    return out;
  }

  private static float[] prefill(LlamaModel m, AdapterTable a, int[] seq, int slot) {
    int n = seq.length;
    PagedKvCache cache = m.newCache(n / 4 + 2, 4);
    int[][] tables = {new int[(n + 3) / 4]};
    for (int b = 0; b < tables[0].length; b++) {
      tables[0][b] = cache.allocate();
    }
    int[] pos = new int[n];
    Arrays.setAll(pos, i -> i);
    int[] slots = new int[n];
    Arrays.fill(slots, slot);
    AttentionLayout layout = new AttentionLayout(new int[n], pos, tables, 4);
    return m.forward(new ForwardBatch(seq.clone(), layout, slots, pos.clone(), false), a, cache);
  }
}
