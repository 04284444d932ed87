package io.lorafleet.artifacts.store;

import java.lang.System.Logger.Level;
import java.time.Duration;

/** Runs an operation with bounded exponential backoff, retrying transient failures only. */
public final class Retrier {
  private static final System.Logger LOG = System.getLogger(Retrier.class.getName());

  /** An operation that may throw anything; failures are classified by {@link S3Errors}. */
  @FunctionalInterface
  public interface Op<T> {
    T run() throws Exception;
  }

  /** How to wait between attempts (tests pass a recorder instead of sleeping). */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  private final RetryPolicy policy;
  private final Sleeper sleeper;

  public Retrier(RetryPolicy policy) {
    this(policy, d -> Thread.sleep(d.toMillis()));
  }

  public Retrier(RetryPolicy policy, Sleeper sleeper) {
    this.policy = policy;
    this.sleeper = sleeper;
  }

  public <T> T call(String what, Op<T> op) {
    for (int attempt = 1; ; attempt++) {
      ObjectStoreException failure;
      try {
        return op.run();
      } catch (Exception e) {
        failure = S3Errors.classify(what, e);
      }
      if (!failure.isTransient() || attempt >= policy.maxAttempts()) {
        throw failure;
      }
      Duration delay = policy.delayAfter(attempt);
      LOG.log(
          Level.WARNING,
          "{0} failed (attempt {1} of {2}), retrying in {3} ms: {4}",
          what,
          attempt,
          policy.maxAttempts(),
          delay.toMillis(),
          failure.getMessage());
      try {
        sleeper.sleep(delay);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw failure;
      }
    }
  }

  public void run(String what, Op<?> op) {
    call(what, op);
  }
}
