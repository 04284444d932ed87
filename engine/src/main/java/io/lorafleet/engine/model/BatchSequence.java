package io.lorafleet.engine.model;

/**
 * What {@link ForwardBatches} reads of a sequence to place its rows: the generator's and the server
 * scheduler's sequences both answer it, so both build their batches the same way.
 */
public interface BatchSequence {
  /** The prompt's token ids (prefilled in one batch). */
  int[] promptTokens();

  /** The adapter slot every row of the sequence uses; -1 = the base model. */
  int adapterSlot();

  /** The last generated token: the one row of a decode step. */
  int lastToken();

  /** Positions in the KV cache after the next forward (the decode row sits at this minus one). */
  int cachedLength();

  /** The sequence's KV-cache block table (at least as many blocks as its positions need). */
  int[] blockTable();
}
