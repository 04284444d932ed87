package io.lorafleet.server.api;

import io.lorafleet.server.model.BaseModel;

/**
 * Refuses prompts that cannot fit the model's context before any tokenization: text by its length
 * against context x the longest token piece (twice that, for normalizers that shorten text), token
 * lists by their count. Tokenizing a 15 MB prompt took a minute and gigabytes only to refuse it.
 */
final class PromptLimits {
  private PromptLimits() {}

  static long maxChars(BaseModel base) {
    return 2L * base.config().maxPositionEmbeddings() * base.longestTokenPiece();
  }

  static void checkText(BaseModel base, long chars, String param) {
    long max = maxChars(base);
    if (chars > max) {
      throw tooLong(
          param,
          "the prompt has "
              + chars
              + " characters; the model's context of "
              + base.config().maxPositionEmbeddings()
              + " tokens holds at most "
              + max);
    }
  }

  static void checkTokens(BaseModel base, int tokens, String param) {
    int max = base.config().maxPositionEmbeddings();
    if (tokens > max) {
      throw tooLong(
          param, "the prompt has " + tokens + " tokens; the model's context is " + max + " tokens");
    }
  }

  private static ApiException tooLong(String param, String message) {
    return new ApiException(
        400, "invalid_request_error", "context_length_exceeded", param, message, 0);
  }
}
