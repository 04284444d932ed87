/**
 * LoRA training over a frozen Llama-family base model: forward and backward for the adapter
 * parameters only, AdamW, learning-rate schedules and resumable state.
 *
 * <p>The trainer application ({@code trainer-image}) drives {@link LoraTraining}: it owns data,
 * configuration, object storage and checkpoint files; this package owns the math and the exact
 * contents of a checkpoint ({@link TrainingState}).
 */
package io.lorafleet.engine.train;
