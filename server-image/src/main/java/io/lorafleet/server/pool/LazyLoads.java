package io.lorafleet.server.pool;

import io.lorafleet.server.api.ApiException;
import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.AdapterRegistry;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.server.state.StateChanges;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Loads a registered adapter on its first request: one load per adapter at a time however many
 * requests ask (they share it), at most {@code lazy-load-concurrency} adapters at once, on a pool
 * of its own: the engine thread never reads, verifies or parses an adapter, so running streams keep
 * decoding while a load runs. The requests that asked wait on their worker threads.
 */
@ApplicationScoped
public class LazyLoads {
  private static final Logger LOG = Logger.getLogger(LazyLoads.class);

  private final Registrations registrations;
  private final AdapterRegistry registry;
  private final RegisteredAdapterFetch fetch;
  private final long waitSeconds;
  private final ExecutorService pool;
  private final StateChanges changes;
  private final Map<String, CompletableFuture<AdapterVersion>> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Refused> refused = new ConcurrentHashMap<>();

  /**
   * A registration whose artifact the load refused (unparseable, non-finite, wrong shape or
   * digest): the version is immutable, so every later request would fetch and refuse the same bytes
   * again. Held for that registration object only: registering the name again (same or new version)
   * lets the next request try once more.
   */
  private record Refused(Registration registration, String message) {}

  LazyLoads(
      Registrations registrations,
      AdapterRegistry registry,
      RegisteredAdapterFetch fetch,
      StateChanges changes,
      @ConfigProperty(name = "lorafleet.server.lazy-load-concurrency", defaultValue = "2")
          int concurrency,
      @ConfigProperty(name = "lorafleet.server.lazy-load-timeout-seconds", defaultValue = "120")
          long waitSeconds) {
    this.registrations = registrations;
    this.registry = registry;
    this.fetch = fetch;
    this.changes = changes;
    this.waitSeconds = waitSeconds;
    this.pool =
        Executors.newFixedThreadPool(
            Math.max(1, concurrency),
            Thread.ofPlatform().name("lorafleet-lazy-load-", 0).daemon().factory());
  }

  /**
   * The version served under {@code name}, loading it first when it is registered but not loaded;
   * null when the name is not registered. A failed load is a 503 {@code adapter_unavailable} (the
   * next request tries again) or the load's own refusal.
   */
  public AdapterVersion ensure(String name) {
    AdapterVersion loaded = registry.get(name);
    if (loaded != null) {
      return loaded;
    }
    Registration r = registrations.get(name);
    if (r == null) {
      refused.remove(name);
      return null;
    }
    Refused known = refused.get(name);
    if (known != null && known.registration() == r) {
      throw cannotBeLoaded(name, known.message());
    }
    CompletableFuture<AdapterVersion> load = inFlight.computeIfAbsent(name, n -> start(r));
    changes.changed(); // loading moved (or not: a spurious signal costs one snapshot)
    try {
      return load.get(waitSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw unavailable(name, "its load did not finish within " + waitSeconds + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(name, "interrupted");
    } catch (ExecutionException e) {
      inFlight.remove(name, load); // the next request tries again
      Throwable cause = e.getCause();
      if (cause instanceof AdapterLoadException refusal && refusal.status() == 400) {
        refused.put(name, new Refused(r, refusal.getMessage()));
        throw cannotBeLoaded(name, refusal.getMessage());
      }
      throw unavailable(name, cause == null ? e.toString() : cause.getMessage());
    }
  }

  /** Loads running now (for tests and the pod state). */
  public int loading() {
    return inFlight.size();
  }

  private CompletableFuture<AdapterVersion> start(Registration r) {
    long begin = System.nanoTime();
    CompletableFuture<AdapterVersion> f =
        CompletableFuture.supplyAsync(
            () -> {
              AdapterVersion already = registry.get(r.name());
              if (already != null) {
                return already; // loaded meanwhile (admin API, or a load that just finished)
              }
              try {
                return fetch.fetch(r);
              } catch (AdapterLoadException e) {
                throw new CompletionException(e);
              }
            },
            pool);
    f.whenComplete(
        (v, e) -> {
          inFlight.remove(r.name(), f);
          changes.changed();
          if (e == null) {
            LOG.infof(
                "adapter %s loaded on demand in %d ms",
                r.name(), (System.nanoTime() - begin) / 1_000_000);
          } else {
            LOG.warnf("on-demand load of adapter %s failed: %s", r.name(), rootMessage(e));
          }
        });
    return f;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return t.getMessage();
  }

  private static ApiException cannotBeLoaded(String name, String why) {
    return new ApiException(
        503,
        "server_error",
        "adapter_unavailable",
        "model",
        "adapter " + name + " is registered but cannot be loaded: " + why,
        30);
  }

  private static ApiException unavailable(String name, String why) {
    return new ApiException(
        503,
        "server_error",
        "adapter_unavailable",
        "model",
        "adapter " + name + " could not be loaded: " + why,
        5);
  }

  @PreDestroy
  void close() {
    pool.shutdownNow();
  }
}
