package io.lorafleet.trainer.run;

import io.lorafleet.api.v1alpha1.finetunejob.LearningRateSchedule;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.train.LearningRates;
import io.lorafleet.engine.train.LoraTrainer;
import io.lorafleet.engine.train.LoraTraining;
import io.lorafleet.engine.train.LoraTrainingOptions;
import io.lorafleet.engine.train.TrainingState;
import io.lorafleet.engine.train.TrainingStateFiles;
import java.io.IOException;
import java.nio.file.Path;

/** The engine's LoRA training (CPU). */
public final class EngineTrainingMath implements TrainingMath {
  @Override
  public LoraTraining create(
      LlamaModel base, LoraTrainingOptions options, long activationBudgetBytes) {
    return LoraTrainer.create(
        base, options, Runtime.getRuntime().availableProcessors(), activationBudgetBytes);
  }

  @Override
  public void write(TrainingState state, Path file) throws IOException {
    TrainingStateFiles.write(state, file);
  }

  @Override
  public TrainingState read(Path file) throws IOException {
    return TrainingStateFiles.read(file);
  }

  @Override
  public double learningRate(
      LearningRateSchedule schedule, double peak, long warmupSteps, long totalSteps, long step) {
    return LearningRates.learningRate(schedule(schedule), peak, warmupSteps, totalSteps, step);
  }

  /** The FineTuneJob's schedule as the engine's own type. */
  static LearningRates.Schedule schedule(LearningRateSchedule schedule) {
    return switch (schedule) {
      case COSINE -> LearningRates.Schedule.COSINE;
      case CONSTANT -> LearningRates.Schedule.CONSTANT;
    };
  }
}
