package io.lorafleet.server.api;

import java.util.List;

/** One server-sent event of a streamed chat completion. */
public record ChatCompletionChunk(
    String id,
    String object,
    long created,
    String model,
    List<Choice> choices,
    Usage usage,
    String systemFingerprint) {

  /** The new text of this chunk; the last content chunk carries the finish reason. */
  public record Choice(int index, Delta delta, Object logprobs, String finishReason) {}

  /** {@code role} only in the first chunk. */
  public record Delta(String role, String content) {}
}
