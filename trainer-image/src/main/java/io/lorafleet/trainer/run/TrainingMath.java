package io.lorafleet.trainer.run;

import io.lorafleet.api.v1alpha1.finetunejob.LearningRateSchedule;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.train.LoraTraining;
import io.lorafleet.engine.train.LoraTrainingOptions;
import io.lorafleet.engine.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The engine's training entry points that the run loop calls (engine package {@code
 * io.lorafleet.engine.train}); one implementation, {@link EngineTrainingMath}, delegates to them.
 */
public interface TrainingMath {
  /**
   * A training run over {@code base}; up to {@code activationBudgetBytes} of layer activations are
   * kept from the forward pass instead of recomputed in the backward pass (the same results).
   */
  LoraTraining create(LlamaModel base, LoraTrainingOptions options, long activationBudgetBytes);

  /** One safetensors file holding the state. */
  void write(TrainingState state, Path file) throws IOException;

  TrainingState read(Path file) throws IOException;

  /** The rate for optimizer step {@code step} (0-based) of {@code totalSteps}. */
  double learningRate(
      LearningRateSchedule schedule, double peak, long warmupSteps, long totalSteps, long step);
}
