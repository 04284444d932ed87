package io.lorafleet.router.metrics;

import io.lorafleet.router.pool.Pod;
import io.lorafleet.router.routing.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.ToDoubleFunction;

/**
 * Prometheus metrics of the router. Per model ({@code model} = base model or adapter name):
 * requests by routing outcome and result, generated tokens, time to first byte, retries. Per pod:
 * outstanding requests, times chosen, up.
 */
@ApplicationScoped
public class RouterMetrics {
  private final MeterRegistry registry;

  RouterMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * One request's end. {@code route}: base, resident, cold, spread, or none (never sent to a pod);
   * {@code result}: ok, client_error (4xx from the pod), error, rejected (429), cancelled.
   */
  public void request(String model, String route, String result) {
    Counter.builder("lorafleet_router_requests")
        .tag("model", model)
        .tag("route", route)
        .tag("result", result)
        .register(registry)
        .increment();
  }

  /**
   * One request of a served name under canary rollout, as its version ended it: {@code version}
   * stable or canary, {@code result} ok or failure (a canary failure retried on stable counts here
   * once for each version, as in {@code /v1/router/rollouts}).
   */
  public void rolloutRequest(String model, boolean canary, boolean failed) {
    Counter.builder("lorafleet_router_rollout_requests")
        .tag("model", model)
        .tag("version", canary ? "canary" : "stable")
        .tag("result", failed ? "failure" : "ok")
        .register(registry)
        .increment();
  }

  public void routed(String model, Outcome outcome, Pod pod) {
    Counter.builder("lorafleet_router_pod_chosen")
        .tag("pod", pod.id())
        .tag("route", outcome.label())
        .register(registry)
        .increment();
  }

  public void tokens(String model, long n) {
    if (n > 0) {
      Counter.builder("lorafleet_router_generation_tokens")
          .tag("model", model)
          .register(registry)
          .increment(n);
    }
  }

  public void firstByte(String model, long nanos) {
    Timer.builder("lorafleet_router_time_to_first_byte")
        .tag("model", model)
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  public void retry(String model, String reason) {
    Counter.builder("lorafleet_router_retries")
        .tag("model", model)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  public void trackPod(Pod pod) {
    Gauge.builder("lorafleet_router_pod_outstanding", pod, Pod::outstanding)
        .tag("pod", pod.id())
        .register(registry);
    Gauge.builder("lorafleet_router_pod_up", pod, p -> p.routable() ? 1 : 0)
        .tag("pod", pod.id())
        .register(registry);
  }

  public void untrackPod(Pod pod) {
    registry
        .find("lorafleet_router_pod_outstanding")
        .tag("pod", pod.id())
        .meters()
        .forEach(registry::remove);
    registry
        .find("lorafleet_router_pod_up")
        .tag("pod", pod.id())
        .meters()
        .forEach(registry::remove);
  }

  /** {@code owner} is held weakly by the gauge: pass a long-lived object, not a lambda. */
  public <T> void trackQueue(T owner, ToDoubleFunction<T> depth) {
    Gauge.builder("lorafleet_router_queued", owner, depth).register(registry);
  }
}
