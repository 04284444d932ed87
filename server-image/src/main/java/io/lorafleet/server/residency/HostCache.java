package io.lorafleet.server.residency;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.state.StateChanges;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * The host tier: parsed adapters in memory, at most {@code maxCached} (least recently used go back
 * to the disk tier, except pinned ones and ones in the device tier). Loads from disk run on a small
 * pool, so a request for a cold adapter waits only for that adapter.
 */
@ApplicationScoped
public class HostCache {
  private static final Logger LOG = Logger.getLogger(HostCache.class);

  /** Where a version's weights stand. */
  public enum State {
    READY,
    LOADING,
    FAILED
  }

  private final int maxCached;
  private final ServerMetrics metrics;
  private final LinkedHashMap<String, AdapterVersion> lru = new LinkedHashMap<>(16, 0.75f, true);
  private final ExecutorService loader =
      Executors.newFixedThreadPool(
          2, Thread.ofPlatform().name("lorafleet-adapter-load-", 0).daemon().factory());
  private volatile Runnable onLoaded = () -> {};
  private final Runnable tierChanged;
  private final AdapterReader reader;

  @Inject
  HostCache(ServerConfig config, ServerMetrics metrics, StateChanges changes) {
    this(Math.max(config.maxCached(), config.maxLoaded()), metrics, changes::changed);
  }

  /**
   * A host tier of {@code maxCached} parsed adapters (also for use outside CDI, e.g. benchmarks).
   */
  public HostCache(int maxCached, ServerMetrics metrics) {
    this(maxCached, metrics, () -> {});
  }

  /** ... and {@code tierChanged} told whenever a version enters or leaves the host tier. */
  public HostCache(int maxCached, ServerMetrics metrics, Runnable tierChanged) {
    this(maxCached, metrics, tierChanged, AdapterReader.FROM_DISK);
  }

  /** ... reading weights with {@code reader} (tests hold a load open with it). */
  public HostCache(
      int maxCached, ServerMetrics metrics, Runnable tierChanged, AdapterReader reader) {
    this.maxCached = maxCached;
    this.metrics = metrics;
    this.tierChanged = tierChanged;
    this.reader = reader;
  }

  /** Called after every background load (the scheduler wakes up). */
  public void onLoaded(Runnable r) {
    this.onLoaded = r;
  }

  /**
   * Adds parsed weights. Eviction spares {@code v} itself: it was parsed for a request that is
   * waiting to place it on the device, and when every other entry is pinned or on the device,
   * evicting it would send that request into an endless reload from disk.
   */
  public synchronized void put(AdapterVersion v, LoadedAdapter weights) {
    v.weights(weights);
    lru.put(v.key(), v);
    evict(v);
    tierChanged.run();
  }

  /** READY (and marks it used), or starts/continues a background load from the disk tier. */
  public synchronized State ensure(AdapterVersion v, ModelConfig config) {
    if (v.weights() != null) {
      lru.get(v.key());
      return State.READY;
    }
    CompletableFuture<LoadedAdapter> f = v.loading();
    if (f != null && f.isCompletedExceptionally()) {
      return State.FAILED;
    }
    if (f == null || f.isDone()) {
      long start = System.nanoTime();
      v.loading(
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return reader.read(v, config);
                    } catch (AdapterLoadException e) {
                      throw new CompletionException(e);
                    }
                  },
                  loader)
              .whenComplete(
                  (w, e) -> {
                    if (e == null) {
                      put(v, w);
                      metrics.adapterLoaded(v.name(), "disk", System.nanoTime() - start);
                    } else {
                      LOG.errorf(
                          "adapter %s could not be read back from %s: %s", v, v.localDir(), e);
                    }
                    onLoaded.run();
                  }));
    }
    return State.LOADING;
  }

  /** Why a background load failed. */
  public Throwable failure(AdapterVersion v) {
    CompletableFuture<LoadedAdapter> f = v.loading();
    return f == null ? null : f.handle((w, e) -> e).join();
  }

  /** Forgets a retired version's weights (running sequences keep their own reference). */
  public synchronized void drop(AdapterVersion v) {
    if (lru.remove(v.key()) != null && v.deviceSlot() < 0) {
      v.weights(null);
      tierChanged.run();
    }
  }

  public synchronized int size() {
    return lru.size();
  }

  private void evict(AdapterVersion added) {
    Iterator<AdapterVersion> it = lru.values().iterator();
    int excess = lru.size() - maxCached;
    while (excess > 0 && it.hasNext()) {
      AdapterVersion v = it.next();
      if (v != added && !v.pinned() && v.deviceSlot() < 0) {
        it.remove();
        v.weights(null);
        metrics.adapterEvicted("host");
        excess--;
      }
    }
  }

  @PreDestroy
  void close() {
    loader.shutdownNow();
  }
}
