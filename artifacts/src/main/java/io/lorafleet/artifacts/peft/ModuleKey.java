package io.lorafleet.artifacts.peft;

import io.lorafleet.artifacts.hf.LinearModule;
import java.util.Comparator;

/** A LoRA-adapted linear layer: decoder layer index (-1 for {@code lm_head}) and module. */
public record ModuleKey(int layer, LinearModule module) implements Comparable<ModuleKey> {
  private static final Comparator<ModuleKey> ORDER =
      Comparator.comparingInt(ModuleKey::layer).thenComparing(ModuleKey::module);

  public static ModuleKey head() {
    return new ModuleKey(-1, LinearModule.LM_HEAD);
  }

  /** Full module name inside the HF model, as PEFT's pattern keys see it. */
  public String path() {
    return module.path(layer);
  }

  /** The PEFT tensor name of the A or B matrix of this module. */
  public String tensorName(char aOrB) {
    return "base_model.model." + path() + ".lora_" + aOrB + ".weight";
  }

  @Override
  public int compareTo(ModuleKey o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return path();
  }
}
