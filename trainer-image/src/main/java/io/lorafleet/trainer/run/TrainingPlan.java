package io.lorafleet.trainer.run;

import io.lorafleet.api.v1alpha1.finetunejob.TrainingSpec;

/**
 * How optimizer steps map onto the data: every epoch has {@code batchesPerEpoch} micro-batches and
 * {@code stepsPerEpoch = ceil(batchesPerEpoch / accumulation)} steps (the last step of an epoch
 * takes what is left). With {@code epochs} the run has {@code epochs * stepsPerEpoch} steps; with
 * {@code maxSteps} it has exactly that many, passing over the data as often as needed. Step {@code
 * s} is a pure function of s, which is what makes a checkpoint's position one number.
 */
public record TrainingPlan(
    int batchesPerEpoch, int accumulation, long stepsPerEpoch, long totalSteps) {

  public static TrainingPlan of(TrainingSpec t, int batchesPerEpoch) {
    int acc = t.gradientAccumulationSteps();
    long perEpoch = (batchesPerEpoch + acc - 1) / acc;
    long total = t.maxSteps() != null ? t.maxSteps() : perEpoch * t.epochs();
    return new TrainingPlan(batchesPerEpoch, acc, perEpoch, total);
  }

  public long epochOf(long step) {
    return step / stepsPerEpoch;
  }

  /** First micro-batch (index in the epoch) of a step. */
  public int firstBatch(long step) {
    return Math.toIntExact((step % stepsPerEpoch) * accumulation);
  }

  /** One past the last micro-batch of a step. */
  public int endBatch(long step) {
    return Math.min(firstBatch(step) + accumulation, batchesPerEpoch);
  }

  /** The global micro-batch index, which keys the engine's dropout masks. */
  public long dropoutKey(long step, int batchInEpoch) {
    return epochOf(step) * batchesPerEpoch + batchInEpoch;
  }

  /** Epochs done after {@code steps} steps, fractional. */
  public double epochs(long steps) {
    return (double) steps / stepsPerEpoch;
  }
}
