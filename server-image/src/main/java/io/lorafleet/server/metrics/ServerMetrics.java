package io.lorafleet.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * Prometheus series of the server ({@code /metrics}); {@code model} is the name a request asked for
 * (the base model's or an adapter's), so every series exists per adapter. Names are listed in
 * docs/server.md.
 */
@ApplicationScoped
public class ServerMetrics {
  private final MeterRegistry registry;
  private final AtomicInteger deviceResident = new AtomicInteger();
  private final Map<String, Gauge> tierGauges = new ConcurrentHashMap<>();

  public ServerMetrics(MeterRegistry registry) {
    this.registry = registry;
    gauge(
        "lorafleet.server.adapters.device",
        "Adapter versions in the active adapter table (device tier)",
        deviceResident,
        AtomicInteger::get);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** outcome: completed, rejected, failed or cancelled. */
  public void request(String model, String outcome) {
    Counter.builder("lorafleet.server.requests")
        .description("Inference requests by model and outcome")
        .tags("model", model, "outcome", outcome)
        .register(registry)
        .increment();
  }

  public void promptTokens(String model, int n) {
    Counter.builder("lorafleet.server.prompt.tokens")
        .description("Prompt tokens prefilled")
        .tags("model", model)
        .register(registry)
        .increment(n);
  }

  public void generatedToken(String model) {
    Counter.builder("lorafleet.server.generation.tokens")
        .description("Tokens generated")
        .tags("model", model)
        .register(registry)
        .increment();
  }

  public void queueTime(String model, long nanos) {
    timer("lorafleet.server.queue.time", "Time from arrival to admission into the batch", model)
        .record(Duration.ofNanos(nanos));
  }

  public void timeToFirstToken(String model, long nanos) {
    timer("lorafleet.server.time.to.first.token", "Time from arrival to the first token", model)
        .record(Duration.ofNanos(nanos));
  }

  public void interTokenLatency(String model, long nanos) {
    timer("lorafleet.server.inter.token.latency", "Time between consecutive tokens", model)
        .record(Duration.ofNanos(nanos));
  }

  /** from: object-store, local or disk (host tier refill). */
  public void adapterLoaded(String adapter, String from, long nanos) {
    Timer.builder("lorafleet.server.adapter.load")
        .description("Adapter loads into memory: fetch, verification, checks and parsing")
        .tags("adapter", adapter, "from", from)
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /** tier: device or host (the tier the adapter left). */
  public void adapterEvicted(String tier) {
    Counter.builder("lorafleet.server.adapter.evictions")
        .description("Adapters moved down a tier")
        .tags("tier", tier)
        .register(registry)
        .increment();
  }

  /** One decode step: its rows and how many distinct adapters (base counts as one) they use. */
  public void decodeStep(int rows, int adapters) {
    DistributionSummary.builder("lorafleet.server.decode.batch.rows")
        .description("Sequences per decode step")
        .register(registry)
        .record(rows);
    DistributionSummary.builder("lorafleet.server.decode.batch.adapters")
        .description("Distinct adapters per decode step (the base model counts as one)")
        .register(registry)
        .record(adapters);
  }

  public void deviceResident(int n) {
    deviceResident.set(n);
  }

  /** A per-adapter residency gauge: 2 = device, 1 = host, 0 = disk. */
  public <T> void trackAdapter(String adapter, T state, ToDoubleFunction<T> tier) {
    tierGauges.computeIfAbsent(
        adapter,
        a -> {
          Gauge.Builder<T> b =
              Gauge.builder("lorafleet.server.adapter.residency", state, tier)
                  .description("Tier of each served adapter: 2 device, 1 host, 0 disk")
                  .tags("adapter", a)
                  .strongReference(true);
          return replace(b, "lorafleet.server.adapter.residency", "adapter", a);
        });
  }

  /**
   * Removes every series of an unloaded adapter (residency, loads, and the per-model request
   * series), so load/unload cycles do not grow /metrics without bound.
   */
  public void untrackAdapter(String adapter) {
    Gauge g = tierGauges.remove(adapter);
    if (g != null) {
      registry.remove(g);
    }
    for (Meter m : List.copyOf(registry.getMeters())) {
      if (adapter.equals(m.getId().getTag("adapter"))
          || adapter.equals(m.getId().getTag("model"))) {
        registry.remove(m);
      }
    }
  }

  /** A gauge on {@code state}, replacing one of the same name left by an earlier instance. */
  public <T> void gauge(String name, String description, T state, ToDoubleFunction<T> f) {
    replace(Gauge.builder(name, state, f).description(description).strongReference(true), name);
  }

  /**
   * Registers a gauge after removing an existing one with the same id: Micrometer keeps the first
   * registration, which in a registry that outlives this bean (Quarkus tests restart the
   * application in one JVM) would read a dead instance's state.
   */
  private <T> Gauge replace(Gauge.Builder<T> builder, String name, String... tags) {
    registry.find(name).tags(tags).gauges().forEach(registry::remove);
    return builder.register(registry);
  }

  private Timer timer(String name, String description, String model) {
    return Timer.builder(name).description(description).tags("model", model).register(registry);
  }
}
