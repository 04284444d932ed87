/**
 * LoRA training over a frozen Llama-family base model: forward and backward for the adapter
 * parameters only, AdamW, learning-rate schedules and resumable state.
 *
 * <p>The trainer application ({@code trainer-image}) drives {@link
 * io.lorafleet.engine.train.LoraTraining}: it owns data, configuration, object storage and
 * checkpoint files; this package owns the math ({@link io.lorafleet.engine.train.LoraTrainer}), the
 * schedules ({@link io.lorafleet.engine.train.LearningRates}) and the exact contents of a
 * checkpoint ({@link io.lorafleet.engine.train.TrainingState}, one safetensors file through {@link
 * io.lorafleet.engine.train.TrainingStateFiles}).
 *
 * <p>Contract notes for drivers:
 *
 * <ul>
 *   <li>A snapshot holds parameters, AdamW moments and the step count, not gradients accumulated
 *       since the last step: take it between optimizer steps. Dropout masks are a function of the
 *       seed and the {@code dropoutKey} the driver passes, so a resumed run repeats them when the
 *       driver passes the same keys (the global micro-batch index).
 *   <li>With {@code init = PISSA} the frozen base becomes {@code W − s·B₀A₀} ({@link
 *       io.lorafleet.engine.train.LoraTrainer#baseModel()}); {@code toAdapter} is valid only on
 *       that residual base, {@code toPublishedAdapter} (rank 2r) on the original one. A resumed
 *       PiSSA run recomputes the same residual from the same base (the SVD is deterministic).
 *   <li>{@code maxGradNorm <= 0} or infinite disables clipping; the returned norm is always the
 *       pre-clip global norm of the mean-loss gradients.
 * </ul>
 */
package io.lorafleet.engine.train;
