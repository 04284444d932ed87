package io.lorafleet.server.scheduling;

/**
 * Moving averages of how long the engine takes (per decode step, per prefilled token, per queue
 * wait), for deadline estimates and Retry-After hints. Written by the engine thread.
 */
final class StepTimes {
  private static final double ALPHA = 0.2;
  private volatile double decodeStepNanos;
  private volatile double prefillTokenNanos;
  private volatile double queueNanos;

  void decodeStep(long nanos) {
    decodeStepNanos = ema(decodeStepNanos, nanos);
  }

  void prefill(long nanos, int tokens) {
    prefillTokenNanos = ema(prefillTokenNanos, (double) nanos / Math.max(1, tokens));
  }

  void queued(long nanos) {
    queueNanos = ema(queueNanos, nanos);
  }

  /** Expected nanoseconds from now until a request of this size finishes (0 before any data). */
  long estimate(int promptTokens, int maxTokens, boolean queueEmpty) {
    double wait = queueEmpty ? 0 : queueNanos;
    return (long) (wait + promptTokens * prefillTokenNanos + maxTokens * decodeStepNanos);
  }

  /** Seconds a rejected client should wait before retrying: about one queue wait, 1..30. */
  int retryAfterSeconds() {
    return (int) Math.min(30, Math.max(1, Math.ceil(queueNanos / 1e9)));
  }

  private static double ema(double old, double sample) {
    return old == 0 ? sample : old + ALPHA * (sample - old);
  }
}
