package io.lorafleet.server.scheduling;

/**
 * Bounds of the continuous batch and of the waiting queue. {@code maxPrefillTokensWhileDecoding}:
 * prompt tokens admitted in one step while other sequences are decoding (at least one sequence is
 * always admitted); 0 means no bound beyond {@code maxBatchTokens}. Every prompt token prefilled in
 * a step delays that step's decode of every running stream, so without this bound a wave of
 * admissions (requests whose adapter just finished loading, say) stalls every running stream for a
 * whole batch prefill.
 */
public record SchedulerLimits(
    int maxRunning, int maxBatchTokens, int maxWaiting, int maxPrefillTokensWhileDecoding) {
  /** The default bound on prompt tokens admitted per step while others decode. */
  public static final int DEFAULT_PREFILL_WHILE_DECODING = 32;

  public SchedulerLimits {
    if (maxRunning < 1
        || maxBatchTokens < 1
        || maxWaiting < 0
        || maxPrefillTokensWhileDecoding < 0) {
      throw new IllegalArgumentException(
          "need max-running >= 1, max-batch-tokens >= 1, max-prefill-tokens-while-decoding >= 0");
    }
  }

  public SchedulerLimits(int maxRunning, int maxBatchTokens, int maxWaiting) {
    this(maxRunning, maxBatchTokens, maxWaiting, DEFAULT_PREFILL_WHILE_DECODING);
  }

  /** Prompt tokens one step may prefill when {@code decoding} sequences are running. */
  int prefillBudget(boolean decoding) {
    return decoding && maxPrefillTokensWhileDecoding > 0
        ? Math.min(maxBatchTokens, maxPrefillTokensWhileDecoding)
        : maxBatchTokens;
  }
}
