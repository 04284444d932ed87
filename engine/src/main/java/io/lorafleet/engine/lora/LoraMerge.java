package io.lorafleet.engine.lora;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.LoraPair;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.model.LayerWeights;
import io.lorafleet.engine.model.ModelWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Merges one adapter into a copy of the weights ({@code W' = W + s·B·A}), leaving the original
 * untouched: a bf16 merge followed by an unmerge is not exact, so the base is never modified in
 * place. Merged matrices are fp32 (the sum is kept at full precision); untouched ones are shared.
 */
public final class LoraMerge {
  private LoraMerge() {}

  public static ModelWeights mergedCopy(ModelWeights base, LoadedAdapter adapter, Backend backend) {
    List<LayerWeights> layers = new ArrayList<>(base.layers());
    Weights head = base.lmHead();
    for (Map.Entry<ModuleKey, LoraPair> e : adapter.modules().entrySet()) {
      ModuleKey key = e.getKey();
      Weights merged = base.linear(key.layer(), key.module()).toF32Copy();
      backend.loraMerge(merged.f32(), e.getValue(), 1f);
      if (key.module() == LinearModule.LM_HEAD) {
        head = merged;
      } else {
        layers.set(key.layer(), layers.get(key.layer()).with(key.module(), merged));
      }
    }
    return new ModelWeights(base.embedTokens(), layers, base.finalNorm(), head);
  }
}
