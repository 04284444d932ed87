package io.lorafleet.serving.router;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * What one router pod saw of one canary rollout during its current step: the body's element of
 * {@code GET /v1/router/rollouts}. The router writes it, the operator reads it from every router
 * pod, merges the answers ({@link #merge}) and judges the canary against stable (online analysis).
 * Counting starts afresh whenever the rollout's step or canary digest changes, so a window is
 * identified by {@code (servedName, canaryDigest, step)} and answers for another window are not
 * merged.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RolloutTraffic(
    @JsonProperty("served_name") String servedName,
    @JsonProperty("canary_digest") String canaryDigest,
    @JsonProperty("step") int step,
    @JsonProperty("stable") VersionTraffic stable,
    @JsonProperty("canary") VersionTraffic canary) {

  /** Whether two answers count the same window. */
  public boolean sameWindow(RolloutTraffic other) {
    return servedName.equals(other.servedName)
        && canaryDigest.equals(other.canaryDigest)
        && step == other.step;
  }

  /** Both routers' counts of the same window added up. */
  public RolloutTraffic merge(RolloutTraffic other) {
    if (!sameWindow(other)) {
      throw new IllegalStateException("different rollout windows: " + this + " and " + other);
    }
    return new RolloutTraffic(
        servedName, canaryDigest, step, stable.plus(other.stable), canary.plus(other.canary));
  }

  /**
   * Requests one version received in the window. {@code failures}: requests that got an error
   * status or an error event from that version (a canary failure retried on stable counts here and
   * not as a client error). {@code ttftCounts}: a histogram of time to first byte over {@link
   * #TTFT_BOUNDS_MS}, one count per bound plus a last one above the largest.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record VersionTraffic(
      @JsonProperty("requests") long requests,
      @JsonProperty("failures") long failures,
      @JsonProperty("ttft_counts") List<Long> ttftCounts) {

    public VersionTraffic {
      if (ttftCounts == null || ttftCounts.isEmpty()) {
        ttftCounts = zeros();
      } else if (ttftCounts.size() != TTFT_BOUNDS_MS.size() + 1) {
        throw new IllegalArgumentException(
            "ttft_counts has "
                + ttftCounts.size()
                + " buckets, expected "
                + (TTFT_BOUNDS_MS.size() + 1));
      }
      ttftCounts = List.copyOf(ttftCounts);
    }

    public static VersionTraffic empty() {
      return new VersionTraffic(0, 0, zeros());
    }

    /** Failures over requests; 0 without requests. */
    public double errorRate() {
      return requests == 0 ? 0 : (double) failures / requests;
    }

    /**
     * The 95th percentile of time to first byte, as the upper bound of the bucket holding it (the
     * largest bound doubled when it lies above all of them); null without any measurement.
     */
    public Double ttftP95Ms() {
      long total = ttftCounts.stream().mapToLong(Long::longValue).sum();
      if (total == 0) {
        return null;
      }
      long rank = (long) Math.ceil(total * 0.95);
      long seen = 0;
      for (int i = 0; i < TTFT_BOUNDS_MS.size(); i++) {
        seen += ttftCounts.get(i);
        if (seen >= rank) {
          return TTFT_BOUNDS_MS.get(i);
        }
      }
      return TTFT_BOUNDS_MS.getLast() * 2;
    }

    VersionTraffic plus(VersionTraffic other) {
      List<Long> sum = new ArrayList<>(ttftCounts.size());
      for (int i = 0; i < ttftCounts.size(); i++) {
        sum.add(ttftCounts.get(i) + other.ttftCounts.get(i));
      }
      return new VersionTraffic(requests + other.requests, failures + other.failures, sum);
    }

    private static List<Long> zeros() {
      List<Long> zeros = new ArrayList<>();
      for (int i = 0; i <= TTFT_BOUNDS_MS.size(); i++) {
        zeros.add(0L);
      }
      return zeros;
    }
  }

  /** Upper bounds of the time-to-first-byte buckets in milliseconds, ascending. */
  public static final List<Double> TTFT_BOUNDS_MS =
      List.of(5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0);

  /** The body of {@code GET /v1/router/rollouts}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Rollouts(@JsonProperty("rollouts") List<RolloutTraffic> rollouts) {
    public Rollouts {
      rollouts = rollouts == null ? List.of() : List.copyOf(rollouts);
    }
  }
}
