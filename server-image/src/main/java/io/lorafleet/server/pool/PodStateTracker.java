package io.lorafleet.server.pool;

import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.model.BaseModel;
import io.lorafleet.server.model.ModelService;
import io.lorafleet.server.residency.AdapterRegistry;
import io.lorafleet.server.scheduling.EngineService;
import io.lorafleet.server.scheduling.Scheduler;
import io.lorafleet.server.state.StateChanges;
import io.lorafleet.serving.pod.PodState;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Versions this pod's state and answers long polls. Whatever changes the state signals it ({@link
 * StateChanges}); one small thread then takes a snapshot (a walk over the served names, no I/O),
 * signals that arrive meanwhile collapse into one more snapshot, and when it differs from the last
 * one the version moves and every poll waiting on an older version is answered. An idle pod takes
 * no snapshots at all (before, one every 50 ms). Pollers hold no worker thread while they wait.
 */
@ApplicationScoped
public class PodStateTracker {
  private record Waiter(long since, CompletableFuture<PodState> answer) {}

  private final ModelService models;
  private final EngineService engine;
  private final AdapterRegistry registry;
  private final Registrations registrations;
  private final LazyLoads lazy;
  private final ServerConfig config;
  private final List<Waiter> waiters = new ArrayList<>();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("lorafleet-pod-state").daemon().factory());
  private final AtomicBoolean pending = new AtomicBoolean();
  private final AtomicLong snapshots = new AtomicLong();
  private PodState last;

  PodStateTracker(
      ModelService models,
      EngineService engine,
      AdapterRegistry registry,
      Registrations registrations,
      LazyLoads lazy,
      ServerConfig config,
      StateChanges changes) {
    this.models = models;
    this.engine = engine;
    this.registry = registry;
    this.registrations = registrations;
    this.lazy = lazy;
    this.config = config;
    this.last = observe(1);
    changes.listen(this::changed);
  }

  /** A change was signalled: one snapshot soon, however many signals arrive before it runs. */
  void changed() {
    if (pending.compareAndSet(false, true)) {
      try {
        ticker.execute(
            () -> {
              pending.set(false);
              tick();
            });
      } catch (RejectedExecutionException e) {
        // shutting down
      }
    }
  }

  /** Snapshots taken so far (a test checks that an idle pod takes none). */
  long snapshots() {
    return snapshots.get();
  }

  /** The current state, at once. */
  public synchronized PodState current() {
    refresh();
    return last;
  }

  /**
   * The state as soon as its version differs from {@code since}, or after {@code waitMillis} with
   * the unchanged state.
   */
  public synchronized CompletableFuture<PodState> after(long since, long waitMillis) {
    refresh();
    if (last.version() != since || waitMillis <= 0) {
      return CompletableFuture.completedFuture(last);
    }
    CompletableFuture<PodState> answer = new CompletableFuture<>();
    Waiter waiter = new Waiter(since, answer);
    waiters.add(waiter);
    ticker.schedule(
        () -> {
          synchronized (this) {
            waiters.remove(waiter); // an idle pod sees no change that would sweep it
            answer.complete(last);
          }
        },
        waitMillis,
        TimeUnit.MILLISECONDS);
    return answer;
  }

  private synchronized void tick() {
    try {
      refresh();
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (w.answer().isDone()) {
          it.remove();
        } else if (w.since() != last.version()) {
          w.answer().complete(last);
          it.remove();
        }
      }
    } catch (RuntimeException e) {
      // a snapshot raced a model reload; the next signal takes another
    }
  }

  private void refresh() {
    PodState now = observe(last == null ? 1 : last.version());
    if (!now.equals(last)) {
      last = now.withVersion(last.version() + 1);
    }
  }

  private PodState observe(long version) {
    snapshots.incrementAndGet();
    BaseModel base = models.current();
    Scheduler s = engine.scheduler();
    List<PodState.Resident> adapters =
        registry.all().stream()
            .map(v -> new PodState.Resident(v.name(), "sha256:" + v.digest(), v.tier()))
            .toList();
    List<String> registered = registrations.all().stream().map(Registration::name).toList();
    return new PodState(
        version,
        base == null ? null : base.name(),
        base != null && s != null && !s.draining(),
        s != null && s.draining(),
        config.maxRunning(),
        config.maxLoaded(),
        s == null ? 0 : s.runningCount(),
        s == null ? 0 : s.waitingCount(),
        lazy.loading(),
        adapters,
        registered);
  }

  @PreDestroy
  void close() {
    ticker.shutdownNow();
  }
}
