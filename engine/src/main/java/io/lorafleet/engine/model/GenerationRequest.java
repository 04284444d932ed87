package io.lorafleet.engine.model;

/** A prompt, the adapter slot it runs with (-1 = base model) and how to sample. */
public record GenerationRequest(int[] prompt, int adapterSlot, SamplingParams params) {
  public GenerationRequest {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt must have at least one token");
    }
    prompt = prompt.clone();
  }
}
