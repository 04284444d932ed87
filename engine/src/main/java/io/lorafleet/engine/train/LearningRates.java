package io.lorafleet.engine.train;

/**
 * Learning-rate schedules as transformers defines them ({@code get_cosine_schedule_with_warmup},
 * {@code get_constant_schedule_with_warmup}).
 */
public final class LearningRates {
  private LearningRates() {}

  /**
   * The rate after warm-up. The engine's own type (the trainer maps the FineTuneJob's schedule to
   * it), so the engine does not depend on the CRD types.
   */
  public enum Schedule {
    /** Cosine decay to zero over the remaining steps. */
    COSINE,
    /** The peak rate until the end. */
    CONSTANT
  }

  /**
   * The rate of optimizer step {@code step} (0 for the first step): {@code peak · step / warmup}
   * during warm-up; then {@code peak} (constant) or {@code peak · ½(1 + cos(π · progress))} with
   * {@code progress = (step − warmup) / (total − warmup)} (cosine, reaching 0 at {@code total}).
   */
  public static double learningRate(
      Schedule kind, double peak, long warmupSteps, long totalSteps, long step) {
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
