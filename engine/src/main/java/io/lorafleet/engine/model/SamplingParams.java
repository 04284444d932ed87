package io.lorafleet.engine.model;

import io.lorafleet.engine.backend.Backend;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * How one request picks tokens: temperature 0 is greedy; otherwise temperature, then top-k (0 =
 * off), then top-p (1 = off), drawn from a generator seeded with {@code seed}, so a seeded run is
 * reproducible. Generation stops at any of {@code stopTokens} or after {@code maxNewTokens}.
 */
public record SamplingParams(
    float temperature, int topK, float topP, long seed, int maxNewTokens, Set<Integer> stopTokens) {

  public SamplingParams {
    if (temperature < 0 || topK < 0 || !(topP > 0 && topP <= 1) || maxNewTokens < 1) {
      throw new IllegalArgumentException(
          "need temperature >= 0, top_k >= 0, 0 < top_p <= 1 and max_new_tokens >= 1");
    }
    stopTokens = Set.copyOf(stopTokens);
  }

  public static SamplingParams greedy(int maxNewTokens, Set<Integer> stopTokens) {
    return new SamplingParams(0f, 0, 1f, 0L, maxNewTokens, stopTokens);
  }

  public boolean isGreedy() {
    return temperature == 0f;
  }

  /**
   * The token these parameters pick from {@code logits[off, off + vocab)}: the argmax when greedy,
   * else a draw from {@code random}, the request's own stream. A greedy pick takes no draw, so a
   * request's draws, and with them a seeded run, do not depend on how its tokens were batched.
   */
  public int pick(Backend backend, float[] logits, int off, int vocab, RandomGenerator random) {
    return isGreedy()
        ? backend.argmax(logits, off, vocab)
        : backend.sample(logits, off, vocab, temperature, topK, topP, random.nextDouble());
  }
}
