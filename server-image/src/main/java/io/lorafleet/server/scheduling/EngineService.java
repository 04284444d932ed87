package io.lorafleet.server.scheduling;

import io.lorafleet.server.admin.AdapterService;
import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.model.BaseModel;
import io.lorafleet.server.model.ModelService;
import io.lorafleet.server.residency.AdapterLoadException;
import io.lorafleet.server.residency.DeviceSlots;
import io.lorafleet.server.residency.HostCache;
import io.lorafleet.server.state.StateChanges;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Owns the engine: starts loading the base model at start-up, then creates the KV cache, the device
 * tier and the scheduler, and loads the adapters given with {@code --adapter}. On shutdown
 * (SIGTERM) it drains: no new admissions, running requests finish until the drain deadline, and
 * what is still queued or running then is cut with 503 {@code shutting_down}.
 *
 * <p>The drain runs at the signal itself, from a JVM shutdown hook, against one deadline fixed
 * there: Quarkus' shutdown hook meanwhile waits for the HTTP requests in flight ({@code
 * quarkus.shutdown.timeout} = drain timeout + write grace) and fires {@link ShutdownEvent} only
 * after that, so a drain started from the event would begin one drain timeout late, after Quarkus
 * had closed the connections of the requests still running (cutting streams without an error event
 * or {@code [DONE]}).
 */
@ApplicationScoped
public class EngineService {
  private static final Logger LOG = Logger.getLogger(EngineService.class);

  private final ServerConfig config;
  private final ModelService models;
  private final HostCache host;
  private final AdapterService adapters;
  private final ServerMetrics metrics;
  private final StateChanges changes;
  private final CompletableFuture<Scheduler> ready = new CompletableFuture<>();
  private volatile Scheduler scheduler;
  private volatile boolean startupAdaptersLoaded;
  private volatile Thread drainHook;
  private long drainEndNanos; // guarded by this; 0 until the drain starts

  EngineService(
      ServerConfig config,
      ModelService models,
      HostCache host,
      AdapterService adapters,
      ServerMetrics metrics,
      StateChanges changes) {
    this.config = config;
    this.models = models;
    this.host = host;
    this.adapters = adapters;
    this.metrics = metrics;
    this.changes = changes;
  }

  void onStart(@Observes StartupEvent event) {
    models.startLoading();
    models.future().thenAccept(this::start);
  }

  private void start(BaseModel base) {
    try {
      int blocks = Math.max(1, config.kvCacheTokens() / config.kvBlockSize());
      Scheduler s =
          new Scheduler(
              base.model(),
              base.model().newCache(blocks, config.kvBlockSize()),
              new DeviceSlots(base.config().numHiddenLayers(), config.maxLoaded(), metrics),
              host,
              metrics,
              new SchedulerLimits(
                  config.maxRunning(),
                  config.maxBatchTokens(),
                  config.maxWaiting(),
                  config.maxPrefillTokensWhileDecoding()));
      s.onStateChange(changes::changed);
      s.start();
      Thread hook = Thread.ofPlatform().name("lorafleet-drain").unstarted(() -> drain(s));
      Runtime.getRuntime().addShutdownHook(hook);
      drainHook = hook;
      metrics.gauge(
          "lorafleet.server.requests.running",
          "Sequences in the running batch",
          s,
          Scheduler::runningCount);
      metrics.gauge(
          "lorafleet.server.requests.waiting",
          "Requests waiting for admission",
          s,
          Scheduler::waitingCount);
      metrics.gauge(
          "lorafleet.server.kv.blocks.free", "Free KV-cache blocks", s, Scheduler::freeBlocks);
      scheduler = s;
      ready.complete(s);
      changes.changed(); // ready now
      LOG.infof(
          "engine ready: %d KV blocks of %d positions, max %d running, %d loaded, %d cached adapters",
          blocks,
          config.kvBlockSize(),
          config.maxRunning(),
          config.maxLoaded(),
          config.maxCached());
      for (String spec : config.adapters().orElse(List.of())) {
        loadStartupAdapter(spec);
      }
      startupAdaptersLoaded = true;
    } catch (RuntimeException e) {
      LOG.error("engine could not start", e);
      ready.completeExceptionally(e);
    }
  }

  private void loadStartupAdapter(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      LOG.errorf("--adapter %s is not name=path; skipped", spec);
      return;
    }
    try {
      adapters.load(spec.substring(0, eq), spec.substring(eq + 1), true, true, false);
    } catch (AdapterLoadException e) {
      LOG.errorf("--adapter %s refused: %s %s", spec.substring(0, eq), e.code(), e.getMessage());
    }
  }

  /** The scheduler, or null while the base model loads. */
  public Scheduler scheduler() {
    return scheduler;
  }

  public boolean startupAdaptersLoaded() {
    return startupAdaptersLoaded;
  }

  void onStop(@Observes ShutdownEvent event) {
    Thread hook = drainHook;
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook); // an application stop without JVM exit
      } catch (IllegalStateException e) {
        // the JVM is exiting: the hook runs (or ran) the drain; joining it below is the same wait
      }
    }
    Scheduler s = scheduler;
    if (s != null) {
      drain(s);
    }
  }

  /** The drain deadline: fixed by the first caller (the signal's hook), shared by every later. */
  private synchronized long drainEnd() {
    if (drainEndNanos == 0) {
      drainEndNanos = System.nanoTime() + config.drainTimeout().toNanos();
    }
    return drainEndNanos;
  }

  private void drain(Scheduler s) {
    s.stopAdmitting();
    try {
      s.drainUntil(drainEnd());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.close();
    }
  }
}
