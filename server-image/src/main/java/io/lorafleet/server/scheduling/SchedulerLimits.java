package io.lorafleet.server.scheduling;

/** Bounds of the continuous batch and of the waiting queue. */
public record SchedulerLimits(int maxRunning, int maxBatchTokens, int maxWaiting) {
  public SchedulerLimits {
    if (maxRunning < 1 || maxBatchTokens < 1 || maxWaiting < 0) {
      throw new IllegalArgumentException("need max-running >= 1, max-batch-tokens >= 1");
    }
  }
}
