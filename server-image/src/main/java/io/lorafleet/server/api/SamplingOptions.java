package io.lorafleet.server.api;

import io.lorafleet.engine.model.SamplingParams;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * OpenAI sampling fields to the engine's {@link SamplingParams}, with OpenAI's defaults
 * (temperature 1, top_p 1) and range checks answered as 400 with the offending parameter.
 */
final class SamplingOptions {
  private SamplingOptions() {}

  static SamplingParams of(
      Float temperature,
      Float topP,
      Integer topK,
      Long seed,
      Integer maxTokens,
      String maxTokensParam,
      int defaultMaxTokens,
      Set<Integer> stopTokens) {
    float t = temperature == null ? 1f : temperature;
    if (!(t >= 0 && t <= 2)) {
      throw ApiException.invalid("temperature", "temperature must be between 0 and 2");
    }
    float p = topP == null ? 1f : topP;
    if (!(p > 0 && p <= 1)) {
      throw ApiException.invalid("top_p", "top_p must be in (0, 1]");
    }
    int k = topK == null || topK < 0 ? 0 : topK; // vLLM: -1 = off
    int max = maxTokens == null ? defaultMaxTokens : maxTokens;
    if (max < 1) {
      throw ApiException.invalid(maxTokensParam, maxTokensParam + " must be at least 1");
    }
    long s = seed == null ? ThreadLocalRandom.current().nextLong() : seed;
    return new SamplingParams(t, k, p, s, max, stopTokens);
  }

  static void onlyOne(Integer n) {
    if (n != null && n != 1) {
      throw ApiException.invalid("n", "only n=1 is supported");
    }
  }
}
