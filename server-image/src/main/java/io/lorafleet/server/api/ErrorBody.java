package io.lorafleet.server.api;

/** {@code {"error": {"message", "type", "param", "code"}}}, as OpenAI (and vLLM) answer errors. */
public record ErrorBody(Error error) {
  /** The error object; {@code code} is a typed reason (e.g. RankTooLarge for adapter loads). */
  public record Error(String message, String type, String param, String code) {}
}
