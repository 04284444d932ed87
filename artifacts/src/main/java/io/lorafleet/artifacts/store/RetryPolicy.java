package io.lorafleet.artifacts.store;

import java.time.Duration;

/** Bounded exponential backoff: {@code initialDelay * 2^n}, capped, at most {@code maxAttempts}. */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay) {
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1");
    }
  }

  public static RetryPolicy defaults() {
    return new RetryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(10));
  }

  /** Delay before attempt {@code attempt + 1} (attempt counts from 1). */
  public Duration delayAfter(int attempt) {
    long ms = initialDelay.toMillis() << Math.min(attempt - 1, 30);
    return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
  }
}
