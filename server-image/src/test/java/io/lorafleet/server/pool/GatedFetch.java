package io.lorafleet.server.pool;

import io.lorafleet.server.admin.AdapterService;
import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.AdapterVersion;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real fetch behind a gate for adapters named {@code gated-*}: their load blocks until the test
 * opens the gate. A deliberately slow adapter source, so a test can hold a load open as long as it
 * likes instead of timing one. Every other name is fetched at once, as in production.
 */
@ApplicationScoped
public class GatedFetch implements RegisteredAdapterFetch {
  static volatile CountDownLatch gate = new CountDownLatch(0);

  /** Fetches started per adapter name, whatever their outcome. */
  static final Map<String, AtomicInteger> FETCHES = new ConcurrentHashMap<>();

  private final AdapterServiceFetch real;

  GatedFetch(AdapterService adapters) {
    this.real = new AdapterServiceFetch(adapters);
  }

  @Override
  public AdapterVersion fetch(Registration r) throws AdapterLoadException {
    FETCHES.computeIfAbsent(r.name(), n -> new AtomicInteger()).incrementAndGet();
    if (r.name().startsWith("gated-")) {
      try {
        if (!gate.await(120, TimeUnit.SECONDS)) {
          throw new AdapterLoadException("GateTimeout", 503, "the test never opened the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AdapterLoadException("Interrupted", 503, "interrupted");
      }
    }
    return real.fetch(r);
  }
}
