package io.lorafleet.operator.serving;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The workers that make the operator's admin calls to serving pods (loads, unloads, inventories,
 * registrations): a bounded pool, never a reconcile thread, with one lane per pod so that a pod
 * that hangs holds at most {@link #PER_POD_IN_FLIGHT} workers and the other pods keep being served.
 */
@ApplicationScoped
public class AdminLanes {
  private static final Logger LOG = Logger.getLogger(AdminLanes.class);

  /**
   * Admin calls in flight per pod: a pod that hangs (each call waits out its 120 s timeout) holds
   * at most this many of the 8 workers, so the other pods and pools keep being served.
   */
  static final int PER_POD_IN_FLIGHT = 2;

  /** Calls waiting per pod beyond those in flight; more are refused as a full queue. */
  static final int PER_POD_WAITING = 4096;

  /** A pod's admin calls: how many run, and those waiting for one of them to finish. */
  private static final class Lane {
    int running;
    final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  }

  private final Map<String, Lane> lanes = new HashMap<>();

  private final ThreadPoolExecutor pool =
      new ThreadPoolExecutor(
          8,
          8,
          60,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(10_000),
          Thread.ofPlatform().name("adapter-admin-", 0).daemon().factory());

  /** One admin request to a pod (an unload, an unregistration). */
  @FunctionalInterface
  public interface AdminCall {
    void run() throws IOException, InterruptedException;
  }

  /**
   * Runs {@code task} on the workers, at most {@link #PER_POD_IN_FLIGHT} at a time per pod.
   *
   * @throws RejectedExecutionException when the pod's queue or the pool is full
   */
  public void submit(String podUid, Runnable task) {
    synchronized (lanes) {
      Lane lane = lanes.computeIfAbsent(podUid, uid -> new Lane());
      if (lane.running >= PER_POD_IN_FLIGHT) {
        if (lane.waiting.size() >= PER_POD_WAITING) {
          throw new RejectedExecutionException("admin queue of pod is full");
        }
        lane.waiting.add(task);
        return;
      }
      lane.running++;
      try {
        pool.execute(() -> runInLane(podUid, task));
      } catch (RejectedExecutionException e) {
        lane.running--;
        throw e;
      }
    }
  }

  private void runInLane(String podUid, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      // Not rethrown: the lane must go on. Tasks complete their own futures; this is the trace.
      LOG.warnf(e, "admin call to pod %s failed unexpectedly", podUid);
    } finally {
      synchronized (lanes) {
        Lane lane = lanes.get(podUid);
        Runnable next = lane.waiting.poll();
        if (next == null) {
          lane.running--;
          if (lane.running == 0) {
            lanes.remove(podUid);
          }
        } else {
          try {
            pool.execute(() -> runInLane(podUid, next));
          } catch (RejectedExecutionException e) {
            lane.running--;
            lane.waiting.clear(); // shutting down
          }
        }
      }
    }
  }

  /**
   * Runs {@code request} in the pod's lane, then {@code afterwards} if the pod accepted it. The
   * future completes on every outcome (a cleanup must never wait for a lost answer): with the
   * request's failure, or normally once the pod accepted it, whatever {@code afterwards} does.
   */
  public CompletableFuture<Void> call(String podUid, AdminCall request, Runnable afterwards) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      submit(
          podUid,
          () -> {
            try {
              request.run();
            } catch (IOException | RuntimeException e) {
              done.completeExceptionally(e);
              return;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              done.completeExceptionally(e);
              return;
            }
            try {
              afterwards.run();
            } finally {
              done.complete(null);
            }
          });
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  void onShutdown(@Observes ShutdownEvent event) {
    pool.shutdownNow();
    LOG.debug("adapter admin pool stopped");
  }
}
