package io.lorafleet.engine.backend;

/**
 * Everything one forward step needs besides activations and weights, handed to the backend once per
 * step ({@link Backend#upload}): the token ids and, for each row, its position, sequence, cache
 * slot and adapter slot, the block tables, the rows that need logits, and the rows grouped by
 * adapter. A device backend copies it to the device in one transfer; the handle stays valid until
 * the backend's next {@code upload}.
 */
public interface StepInputs {
  /** Rows of the flattened batch. */
  int rows();

  /** Rows whose logits are computed. */
  int logitRows();

  /** One row per sequence (selects the gather-form LoRA kernels). */
  boolean decode();
}
