package io.lorafleet.engine.train;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.safetensors.DType;
import java.util.List;
import java.util.Map;

/**
 * A training run's in-memory state: the frozen base model, the LoRA parameters, their accumulated
 * gradients and the AdamW moments. Not thread-safe: one driver thread calls it; implementations may
 * parallelise inside a call.
 *
 * <p>Determinism: given the same base, options, {@link TrainingState} and calls, results are
 * bit-identical regardless of thread count; dropout masks are a pure function of (seed, {@code
 * dropoutKey}, sequence index, layer, module, position), so no random-generator state needs saving.
 */
public interface LoraTraining {

  /**
   * Forward and backward over one micro-batch; gradients of the summed loss are added to the
   * accumulated gradients. {@code dropoutKey} identifies the micro-batch (the driver passes the
   * global micro-batch index) and is ignored when dropout is 0.
   */
  LossSum accumulate(List<TrainingSequence> microBatch, long dropoutKey);

  /**
   * Ends an optimizer step: divides the accumulated gradients by {@code targetTokens} (mean loss
   * over the step's target tokens), clips them to {@code maxGradNorm} (global L2 norm over every
   * LoRA parameter), applies AdamW with {@code learningRate} and decoupled weight decay, and zeroes
   * the gradients. Returns the global gradient norm before clipping.
   */
  double step(double learningRate, long targetTokens);

  /** Loss without dropout and without touching gradients. */
  LossSum evaluate(List<TrainingSequence> batch);

  /** Accumulated gradients by PEFT tensor name (as {@link #toAdapter} names them), for tests. */
  Map<String, float[]> gradients();

  /** Optimizer steps taken so far. */
  long steps();

  /** The adapter as PEFT would save it (config with r, lora_alpha, use_rslora, target_modules). */
  LoraAdapter toAdapter(DType dtype);

  /**
   * The adapter to publish: valid on the base model the run was created with (for PiSSA, converted
   * from the residual base; see the implementation). Standard init: the same as {@link #toAdapter}.
   */
  LoraAdapter toPublishedAdapter(DType dtype);

  /** A deep copy of everything a resume needs (parameters, moments, step count). */
  TrainingState snapshot();

  /** Replaces the parameters, moments and step count with a snapshot of a compatible run. */
  void restore(TrainingState state);
}
