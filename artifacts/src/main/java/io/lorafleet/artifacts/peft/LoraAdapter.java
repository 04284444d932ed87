package io.lorafleet.artifacts.peft;

import io.lorafleet.artifacts.safetensors.DType;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A LoRA adapter in canonical in-memory form: its config and the weights of every adapted module,
 * ordered by layer then module. {@code dtype} is the storage dtype it was read from or will be
 * written in.
 */
public record LoraAdapter(AdapterConfig config, Map<ModuleKey, LoraWeights> modules, DType dtype) {
  public LoraAdapter {
    modules = Collections.unmodifiableMap(new TreeMap<>(modules));
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("LoRA weights must be F32, BF16 or F16, not " + dtype);
    }
  }

  /** Trainable parameters: sum of the A and B sizes. */
  public long parameterCount() {
    long n = 0;
    for (LoraWeights w : modules.values()) {
      n += w.a().length + (long) w.b().length;
    }
    return n;
  }
}
