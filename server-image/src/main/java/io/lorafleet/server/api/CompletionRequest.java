package io.lorafleet.server.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * POST /v1/completions. {@code prompt} is a string, a one-element list of strings, or a list of
 * token ids. {@code top_k} is a vLLM extension. Unknown fields are ignored; fields we cannot honour
 * ({@code n} > 1, {@code best_of} > 1, {@code logprobs}, {@code echo}) are refused.
 */
public record CompletionRequest(
    String model,
    JsonNode prompt,
    Integer maxTokens,
    Float temperature,
    Float topP,
    Integer topK,
    Long seed,
    JsonNode stop,
    Integer n,
    Integer bestOf,
    Boolean stream,
    StreamOptions streamOptions,
    JsonNode logprobs,
    Boolean echo) {}
