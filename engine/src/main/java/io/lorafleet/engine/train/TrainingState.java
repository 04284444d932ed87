package io.lorafleet.engine.train;

import java.util.Map;

/**
 * What a checkpoint holds for the math: tensors by name (LoRA parameters under their PEFT names,
 * AdamW first and second moments under {@code <name>.exp_avg} and {@code <name>.exp_avg_sq}) and
 * the optimizer step count. Implementations provide {@code write(Path)}/{@code read(Path)} as one
 * safetensors file so a checkpoint is a few files, not a Java serialisation.
 */
public record TrainingState(Map<String, float[]> tensors, Map<String, int[]> shapes, long steps) {
  public TrainingState {
    tensors = Map.copyOf(tensors);
    shapes = Map.copyOf(shapes);
  }
}
