package io.lorafleet.engine.lora;

import io.lorafleet.artifacts.hf.LinearShape;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.engine.backend.LoraPair;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An adapter ready for the kernels: one {@link LoraPair} per adapted module with the per-module
 * scale (alpha/r or alpha/sqrt(r) from rank_pattern/alpha_pattern, computed by the artifacts
 * reader) folded into B at load, so serving never multiplies by it.
 */
public record LoadedAdapter(String name, Map<ModuleKey, LoraPair> modules, int maxRank) {
  public LoadedAdapter {
    modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
  }

  /** Checks every module's shape against the model and folds the scale into B. */
  public static LoadedAdapter of(String name, LoraAdapter adapter, ModelConfig config) {
    Map<ModuleKey, LoraPair> pairs = new LinkedHashMap<>();
    int maxRank = 0;
    for (Map.Entry<ModuleKey, LoraWeights> e : adapter.modules().entrySet()) {
      ModuleKey key = e.getKey();
      LoraWeights w = e.getValue();
      LinearShape shape = config.shape(key.module());
      if (key.layer() >= config.numHiddenLayers()
          || w.in() != shape.in()
          || w.out() != shape.out()) {
        throw new AdapterShapeMismatchException(
            "adapter "
                + name
                + ": module "
                + key
                + " is ["
                + w.out()
                + ", "
                + w.in()
                + "] but the model has "
                + shape
                + " with "
                + config.numHiddenLayers()
                + " layers");
      }
      float[] b = w.b().clone();
      float scale = (float) w.scale();
      for (int i = 0; i < b.length; i++) {
        b[i] *= scale;
      }
      pairs.put(key, new LoraPair(w.rank(), w.in(), w.out(), w.a(), b));
      maxRank = Math.max(maxRank, w.rank());
    }
    return new LoadedAdapter(name, pairs, maxRank);
  }
}
