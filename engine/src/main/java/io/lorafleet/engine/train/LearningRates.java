package io.lorafleet.engine.train;

import io.lorafleet.api.v1alpha1.finetunejob.LearningRateSchedule;

/**
 * Learning-rate schedules as transformers defines them ({@code get_cosine_schedule_with_warmup},
 * {@code get_constant_schedule_with_warmup}).
 */
public final class LearningRates {
  private LearningRates() {}

  /**
   * The rate of optimizer step {@code step} (0 for the first step): {@code peak · step / warmup}
   * during warm-up; then {@code peak} (constant) or {@code peak · ½(1 + cos(π · progress))} with
   * {@code progress = (step − warmup) / (total − warmup)} (cosine, reaching 0 at {@code total}).
   */
  public static double learningRate(
      LearningRateSchedule kind, double peak, long warmupSteps, long totalSteps, long step) {
    if (step < warmupSteps) {
      return peak * step / Math.max(1, warmupSteps);
    }
    return switch (kind) {
      case CONSTANT -> peak;
      case COSINE -> {
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        yield peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
      }
    };
  }
}
