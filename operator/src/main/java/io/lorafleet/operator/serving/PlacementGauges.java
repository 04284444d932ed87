package io.lorafleet.operator.serving;

import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The placement gauges: adapters confirmed by all serving pods, and by each pod (tagged with its
 * namespace, base model and name), the latter removed with the pod's last slot so that the series
 * are bounded by the serving pods of the pools.
 */
final class PlacementGauges {
  private final MeterRegistry metrics;
  private final LongSupplier total;
  private final ToLongFunction<String> loadedOnPod;

  /** The per-pod gauge of each pod that holds a slot, by pod UID. */
  private final Map<String, Meter.Id> podGauges = new ConcurrentHashMap<>();

  /**
   * @param total the adapters confirmed on all pods
   * @param loadedOnPod the adapters a pod (by UID) confirmed
   */
  PlacementGauges(MeterRegistry metrics, LongSupplier total, ToLongFunction<String> loadedOnPod) {
    this.metrics = metrics;
    this.total = total;
    this.loadedOnPod = loadedOnPod;
    registerTotal();
  }

  /**
   * Idempotent (micrometer returns the existing gauge); called again at first use because the
   * registry a bean sees at construction may not yet be bound to the Prometheus endpoint, and with
   * a strong reference so the gauge lives exactly as long as the registry.
   */
  void registerTotal() {
    Gauge.builder("lorafleet.adapters.loaded", total::getAsLong)
        .description("Adapter placements confirmed by serving pods")
        .strongReference(true)
        .register(metrics);
  }

  /** The gauge of a pod that is getting a slot, once per pod. */
  void registerPod(LoraAdapter adapter, ServingPod pod) {
    podGauges.computeIfAbsent(
        pod.uid(),
        uid ->
            Gauge.builder("lorafleet.pod.adapters.loaded", () -> loadedOnPod.applyAsLong(uid))
                .description("Adapters a serving pod confirmed as loaded")
                .tag("namespace", adapter.getMetadata().getNamespace())
                .tag("base_model", adapter.getSpec().baseModelRef().name())
                .tag("pod", pod.name())
                .strongReference(true)
                .register(metrics)
                .getId());
  }

  /** Removes the gauges of pods that no slot refers to any more. */
  void retainPods(Set<String> podsWithSlots) {
    podGauges
        .entrySet()
        .removeIf(
            e -> {
              if (podsWithSlots.contains(e.getKey())) {
                return false;
              }
              metrics.remove(e.getValue());
              return true;
            });
  }
}
