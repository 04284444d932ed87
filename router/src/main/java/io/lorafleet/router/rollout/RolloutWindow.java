package io.lorafleet.router.rollout;

import io.lorafleet.serving.router.RolloutTraffic;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * This router's counts of one rollout window (servedName, canaryDigest, step): per version,
 * requests, failures and a time-to-first-byte histogram over {@link RolloutTraffic#TTFT_BOUNDS_MS}.
 * A window is replaced, not reset, when the step or the canary changes, so a request decided in the
 * old window cannot count into the new one.
 */
public final class RolloutWindow {
  private final String servedName;
  private final String canaryDigest;
  private final int step;
  private final Counts stable = new Counts();
  private final Counts canary = new Counts();

  public RolloutWindow(String servedName, String canaryDigest, int step) {
    this.servedName = servedName;
    this.canaryDigest = canaryDigest;
    this.step = step;
  }

  /** Whether this window counts (servedName, canaryDigest, step). */
  boolean counts(String servedName, String canaryDigest, int step) {
    return this.servedName.equals(servedName)
        && this.canaryDigest.equals(canaryDigest)
        && this.step == step;
  }

  /** A request that ended on one version; {@code ttftNanos} negative when nothing came back. */
  public void record(boolean onCanary, boolean failed, long ttftNanos) {
    Counts c = onCanary ? canary : stable;
    c.requests.increment();
    if (failed) {
      c.failures.increment();
    }
    if (ttftNanos >= 0) {
      c.ttft.incrementAndGet(bucket(ttftNanos / 1e6));
    }
  }

  public RolloutTraffic snapshot() {
    return new RolloutTraffic(servedName, canaryDigest, step, stable.traffic(), canary.traffic());
  }

  static int bucket(double ms) {
    List<Double> bounds = RolloutTraffic.TTFT_BOUNDS_MS;
    for (int i = 0; i < bounds.size(); i++) {
      if (ms <= bounds.get(i)) {
        return i;
      }
    }
    return bounds.size();
  }

  private static final class Counts {
    final LongAdder requests = new LongAdder();
    final LongAdder failures = new LongAdder();
    final AtomicLongArray ttft = new AtomicLongArray(RolloutTraffic.TTFT_BOUNDS_MS.size() + 1);

    RolloutTraffic.VersionTraffic traffic() {
      List<Long> counts = new ArrayList<>(ttft.length());
      for (int i = 0; i < ttft.length(); i++) {
        counts.add(ttft.get(i));
      }
      return new RolloutTraffic.VersionTraffic(requests.sum(), failures.sum(), counts);
    }
  }
}
