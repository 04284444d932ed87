package io.lorafleet.engine.train;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a checkpoint holds for the math: tensors by name (LoRA parameters under their PEFT names,
 * AdamW first and second moments under {@code <name>.exp_avg} and {@code <name>.exp_avg_sq}) and
 * the optimizer step count. Implementations provide {@code write(Path)}/{@code read(Path)} as one
 * safetensors file so a checkpoint is a few files, not a Java serialisation.
 *
 * <p>Both maps are unmodifiable copies sorted by name, so every walk over a state (writing it,
 * comparing it) sees the same order in every JVM run.
 */
public record TrainingState(Map<String, float[]> tensors, Map<String, int[]> shapes, long steps) {
  public TrainingState {
    tensors = sortedCopy(tensors);
    shapes = sortedCopy(shapes);
  }

  private static <V> SortedMap<String, V> sortedCopy(Map<String, V> map) {
    TreeMap<String, V> sorted = new TreeMap<>();
    map.forEach((name, value) -> sorted.put(name, Objects.requireNonNull(value, name)));
    return Collections.unmodifiableSortedMap(sorted);
  }
}
