package io.lorafleet.bench.routing;

import java.util.List;
import java.util.Map;

/**
 * Adapter loads as the pods count them ({@code /metrics} of each pod), summed over the pool: {@code
 * cold} loads read an adapter from its registered path because the pod held it in no tier ({@code
 * lorafleet_server_adapter_load_seconds{from="local"}}: verification, parse and the load probe);
 * {@code diskReloads} read back an adapter the pod had evicted from memory ({@code from="disk"});
 * {@code deviceEvictions} count adapters moved out of a device slot.
 */
record PodLoads(double cold, double diskReloads, double deviceEvictions) {
  static final String LOADS = "lorafleet_server_adapter_load_seconds_count";
  static final String EVICTIONS = "lorafleet_server_adapter_evictions_total";

  /** One pod's counters, from its metrics text. */
  static PodLoads of(String metrics) {
    return new PodLoads(
        PrometheusText.sum(metrics, LOADS, Map.of("from", "local")),
        PrometheusText.sum(metrics, LOADS, Map.of("from", "disk")),
        PrometheusText.sum(metrics, EVICTIONS, Map.of("tier", "device")));
  }

  /** The pool's counters: the sum over its pods. */
  static PodLoads pool(List<String> podMetrics) {
    PodLoads total = new PodLoads(0, 0, 0);
    for (String m : podMetrics) {
      total = total.plus(of(m));
    }
    return total;
  }

  PodLoads plus(PodLoads o) {
    return new PodLoads(
        cold + o.cold, diskReloads + o.diskReloads, deviceEvictions + o.deviceEvictions);
  }

  /**
   * What happened between {@code before} and this snapshot. A pod's per-adapter series vanish when
   * its adapters are unregistered, so the bench takes {@code before} after the reset; a counter
   * that went down means the reset was not what the bench assumed, and it refuses to report.
   */
  PodLoads since(PodLoads before) {
    PodLoads d =
        new PodLoads(
            cold - before.cold,
            diskReloads - before.diskReloads,
            deviceEvictions - before.deviceEvictions);
    if (d.cold < 0 || d.diskReloads < 0 || d.deviceEvictions < 0) {
      throw new IllegalStateException(
          "pod counters went down during a run: " + before + " -> " + this);
    }
    return d;
  }
}
