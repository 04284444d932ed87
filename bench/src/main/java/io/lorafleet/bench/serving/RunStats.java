package io.lorafleet.bench.serving;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Throughput and latency of one run: generated tokens per second of wall time, percentiles of time
 * to first token (TTFT), inter-token latency (ITL) and end-to-end latency, in milliseconds.
 */
record RunStats(
    String name,
    int requests,
    long tokens,
    double seconds,
    double tokensPerSecond,
    double ttftP50,
    double ttftP99,
    double itlP50,
    double itlP99,
    double e2eP50,
    double e2eP99,
    boolean streamsTokens) {

  static RunStats of(String name, List<Timing> timings, long start, long end, boolean streams) {
    List<Double> ttft = new ArrayList<>();
    List<Double> itl = new ArrayList<>();
    List<Double> e2e = new ArrayList<>();
    long tokens = 0;
    for (Timing t : timings) {
      tokens += t.count();
      ttft.add((t.first() - t.arrival) / 1e6);
      e2e.add((t.last() - t.arrival) / 1e6);
      for (int i = 1; i < t.count(); i++) {
        itl.add((t.at(i) - t.at(i - 1)) / 1e6);
      }
    }
    double seconds = (end - start) / 1e9;
    return new RunStats(
        name,
        timings.size(),
        tokens,
        seconds,
        tokens / seconds,
        pct(ttft, 50),
        pct(ttft, 99),
        pct(itl, 50),
        pct(itl, 99),
        pct(e2e, 50),
        pct(e2e, 99),
        streams);
  }

  static String header() {
    return "| run | requests | tokens | wall s | tokens/s | TTFT p50 ms | TTFT p99 ms | ITL p50 ms"
        + " | ITL p99 ms | e2e p50 ms | e2e p99 ms |\n|---|---|---|---|---|---|---|---|---|---|---|";
  }

  String row() {
    return String.format(
        Locale.ROOT,
        "| %s | %d | %d | %.1f | %.1f | %s | %s | %s | %s | %.0f | %.0f |",
        name,
        requests,
        tokens,
        seconds,
        tokensPerSecond,
        streamsTokens ? String.format(Locale.ROOT, "%.0f", ttftP50) : "n/a",
        streamsTokens ? String.format(Locale.ROOT, "%.0f", ttftP99) : "n/a",
        streamsTokens ? String.format(Locale.ROOT, "%.1f", itlP50) : "n/a",
        streamsTokens ? String.format(Locale.ROOT, "%.1f", itlP99) : "n/a",
        e2eP50,
        e2eP99);
  }

  private static double pct(List<Double> values, int p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
