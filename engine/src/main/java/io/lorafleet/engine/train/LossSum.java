package io.lorafleet.engine.train;

/** Summed cross-entropy (natural log) over {@code targets} target tokens. */
public record LossSum(double sum, long targets) {
  public static final LossSum ZERO = new LossSum(0, 0);

  public LossSum plus(LossSum other) {
    return new LossSum(sum + other.sum, targets + other.targets);
  }

  /** Mean loss per target token; NaN when there were none. */
  public double mean() {
    return targets == 0 ? Double.NaN : sum / targets;
  }
}
