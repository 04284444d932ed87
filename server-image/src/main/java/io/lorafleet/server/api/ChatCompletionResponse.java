package io.lorafleet.server.api;

import java.util.List;

/** A chat completion. */
public record ChatCompletionResponse(
    String id,
    String object,
    long created,
    String model,
    List<Choice> choices,
    Usage usage,
    String systemFingerprint) {

  /** One answer; {@code logprobs} is always null (not supported). */
  public record Choice(int index, Message message, Object logprobs, String finishReason) {}

  /** The assistant's message. */
  public record Message(String role, String content, String refusal) {}
}
