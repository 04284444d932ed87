package io.lorafleet.operator.loraadapter;

import io.lorafleet.operator.reconcile.Failures;
import io.lorafleet.operator.serving.ServingPod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The unloads of deleted adapters, started once per attempt and checked on each cleanup instead of
 * waited for: a pod that never answers must hold neither a reconciler thread nor the deletion past
 * the configured unload timeout (it is checked by the cleanup, not by a wait of its own).
 */
final class AdapterReleases {

  /** One unload (or unregistration) sent to one pod. */
  record Release(ServingPod pod, Future<?> done) {}

  /** Where an adapter's unloads are: pods still silent, and pods that answered with a failure. */
  record Progress(List<String> silent, List<String> failed) {
    boolean finished() {
      return silent.isEmpty();
    }

    boolean succeeded() {
      return silent.isEmpty() && failed.isEmpty();
    }

    /** "pod (why)" for each pod that did not unload, for an event. */
    List<String> notUnloaded() {
      List<String> all = new ArrayList<>(failed);
      silent.forEach(pod -> all.add(pod + " (no answer)"));
      return all;
    }
  }

  private final Map<String, List<Release>> byAdapter = new ConcurrentHashMap<>();

  /**
   * Starts the adapter's unloads with {@code start} unless they are under way, waits at most {@code
   * grace} for them (most pods answer in milliseconds), and reports where they are.
   */
  Progress check(String adapterUid, Supplier<List<Release>> start, Duration grace)
      throws InterruptedException {
    List<Release> releases = byAdapter.computeIfAbsent(adapterUid, uid -> start.get());
    long deadline = System.nanoTime() + grace.toNanos();
    List<String> silent = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (Release release : releases) {
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        release.done().get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        silent.add(release.pod().name());
      } catch (ExecutionException e) {
        failed.add(release.pod().name() + " (" + Failures.message(e.getCause()) + ")");
      }
    }
    return new Progress(silent, failed);
  }

  /** Forgets the adapter's unloads: the next check starts them again. */
  void forget(String adapterUid) {
    byAdapter.remove(adapterUid);
  }
}
