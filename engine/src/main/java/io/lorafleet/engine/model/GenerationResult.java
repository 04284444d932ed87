package io.lorafleet.engine.model;

/** Generated tokens (without the stop token) and why generation ended. */
public record GenerationResult(int[] tokens, FinishReason reason) {

  public enum FinishReason {
    /** A stop token was produced. */
    STOP,
    /** {@code maxNewTokens} were produced. */
    LENGTH
  }
}
