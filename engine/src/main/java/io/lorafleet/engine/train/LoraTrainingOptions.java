package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;
import java.util.List;

/**
 * The adapter's shape and the optimizer's constants for one run. The learning rate is not here: the
 * driver passes it per step from its schedule.
 *
 * @param init {@code standard} (A Kaiming-uniform, B zero) or {@code pissa} (algorithms.md part B)
 * @param seed seeds initialisation and dropout
 */
public record LoraTrainingOptions(
    int rank,
    double alpha,
    boolean useRslora,
    double dropout,
    List<LinearModule> targetModules,
    Init init,
    long seed,
    double weightDecay,
    double beta1,
    double beta2,
    double epsilon,
    double maxGradNorm) {

  public enum Init {
    STANDARD,
    PISSA
  }

  public LoraTrainingOptions {
    targetModules = List.copyOf(targetModules);
    if (rank < 1) {
      throw new IllegalArgumentException("rank must be at least 1, got " + rank);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    if (targetModules.isEmpty()) {
      throw new IllegalArgumentException("at least one target module is needed");
    }
  }

  /** The factor on B·A: alpha/r, or alpha/sqrt(r) with rsLoRA. */
  public double scale() {
    return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
  }
}
