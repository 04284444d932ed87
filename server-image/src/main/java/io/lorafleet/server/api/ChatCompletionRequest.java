package io.lorafleet.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * POST /v1/chat/completions. {@code max_completion_tokens} (newer clients) wins over {@code
 * max_tokens}. Tools, logprobs and {@code n} > 1 are refused rather than silently ignored.
 */
public record ChatCompletionRequest(
    String model,
    List<Message> messages,
    Integer maxTokens,
    Integer maxCompletionTokens,
    Float temperature,
    Float topP,
    Integer topK,
    Long seed,
    JsonNode stop,
    Integer n,
    Boolean stream,
    StreamOptions streamOptions,
    Boolean logprobs,
    JsonNode tools) {

  /** A message; {@code content} is a string or a list of {@code {"type":"text","text":...}}. */
  public record Message(String role, JsonNode content) {}
}
