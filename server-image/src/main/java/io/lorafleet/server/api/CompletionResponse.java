package io.lorafleet.server.api;

import java.util.List;

/** A text completion, or one streamed chunk of it (then {@code usage} is null until the end). */
public record CompletionResponse(
    String id,
    String object,
    long created,
    String model,
    List<Choice> choices,
    Usage usage,
    String systemFingerprint) {

  /** {@code logprobs} is always null (not supported). */
  public record Choice(String text, int index, Object logprobs, String finishReason) {}
}
