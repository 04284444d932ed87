package io.lorafleet.router.proxy;

import io.lorafleet.router.config.RouterConfig;
import io.lorafleet.router.metrics.RouterMetrics;
import io.lorafleet.router.pool.Pod;
import io.lorafleet.router.pool.PodStatus;
import io.lorafleet.router.pool.Pool;
import io.lorafleet.router.routing.Candidate;
import io.lorafleet.router.routing.PodChooser;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Hands requests to pods with a free slot, or holds them in a bounded queue until one frees (a
 * request ending, a pod joining or reporting new state); a full queue answers 429 with Retry-After.
 * Choosing and taking the slot happen under one lock, so two requests never take the last slot of a
 * pod together. The lock is shared by every event loop, so it is held for the choice only (metrics
 * and sending happen after it), and a request's end takes it only when a request waits: on a
 * starved machine a loop descheduled while holding it stalls the other loops.
 */
@ApplicationScoped
public class Dispatcher {
  /** What became of an attempt to place a request. */
  enum Verdict {
    SENT,
    FULL,
    NO_POD
  }

  private final Pool pool;
  private final Forwarder forwarder;
  private final RouterMetrics metrics;
  private final int maxQueued;
  private final Deque<ProxiedRequest> queue = new ArrayDeque<>();

  /** The queue's size, written under the lock, read without it by {@link #pump}. */
  private volatile int waiting;

  /** Placements so far: pods that tie take turns by it (guarded by the lock, like the queue). */
  private long turns;

  Dispatcher(Pool pool, Forwarder forwarder, RouterMetrics metrics, RouterConfig config) {
    this.pool = pool;
    this.forwarder = forwarder;
    this.metrics = metrics;
    this.maxQueued = config.maxQueued();
    pool.onChange(this::pump);
    metrics.trackQueue(this, Dispatcher::queued);
  }

  /** Places a new request, queues it, or refuses it (429 queue full, 503 no pod left). */
  public void submit(ProxiedRequest r) {
    Verdict v;
    Pod pod = null;
    synchronized (this) {
      v = place(r);
      if (v == Verdict.SENT) {
        pod = r.pod;
      } else if (v == Verdict.FULL) {
        if (queue.size() >= maxQueued) {
          v = null;
        } else {
          queue.addLast(r);
          waiting = queue.size();
        }
      }
    }
    if (pod != null) {
      metrics.routed(r.model, r.outcome, pod);
      send(r, pod);
    } else if (v == Verdict.FULL) {
      // a slot freed after place() looked but before the queue held r was seen empty by that
      // release's pump(): look again now that r is in the queue
      pump();
    } else if (v == null) {
      metrics.request(r.model, r.route, "rejected");
      r.context.runOnContext(
          x ->
              OpenAiError.send(
                  r.ctx,
                  429,
                  "rate_limit_error",
                  "overloaded",
                  null,
                  "every pod of the pool is busy and " + maxQueued + " requests wait; retry later",
                  1));
    } else if (v == Verdict.NO_POD) {
      forwarder.noPodLeft(r);
    }
  }

  /** A request left its pod: its slot is free for a waiting one. */
  public void released(Pod pod) {
    pod.release();
    pump();
  }

  /** Drops a waiting request whose client went away. */
  public synchronized void cancel(ProxiedRequest r) {
    queue.remove(r);
    waiting = queue.size();
  }

  public synchronized int queued() {
    return queue.size();
  }

  /** Places waiting requests in order wherever a slot has come free. */
  public void pump() {
    if (waiting == 0) {
      return; // nothing waits (a request queued after this read pumps again itself)
    }
    List<ProxiedRequest> lost = new ArrayList<>();
    List<ProxiedRequest> placed = new ArrayList<>();
    synchronized (this) {
      for (Iterator<ProxiedRequest> it = queue.iterator(); it.hasNext(); ) {
        ProxiedRequest r = it.next();
        if (r.cancelled) {
          it.remove();
          continue;
        }
        Verdict v = place(r);
        if (v == Verdict.SENT) {
          it.remove();
          placed.add(r);
        } else if (v == Verdict.NO_POD) {
          it.remove();
          lost.add(r);
        }
      }
      waiting = queue.size();
    }
    placed.forEach(
        r -> {
          metrics.routed(r.model, r.outcome, r.pod);
          send(r, r.pod);
        });
    lost.forEach(forwarder::noPodLeft);
  }

  /**
   * Sends a placed request, outside the lock: at once when on the request's own event loop (a new
   * request, a retry), else as a task on that loop (a slot freed by another request).
   */
  private void send(ProxiedRequest r, Pod pod) {
    if (Thread.currentThread() == r.loop) {
      forwarder.send(r, pod);
    } else {
      r.context.runOnContext(x -> forwarder.send(r, pod));
    }
  }

  /** Chooses a pod and takes one of its slots, setting {@code r.pod} (caller holds the lock). */
  private Verdict place(ProxiedRequest r) {
    List<Candidate> candidates = new ArrayList<>();
    for (Pod p : pool.usable()) {
      if (r.tried.contains(p.id())) {
        continue;
      }
      PodStatus s = p.status();
      PodStatus.Tier tier =
          r.adapter == null
              ? (r.model.equals(s.baseModel()) ? PodStatus.Tier.DEVICE : null)
              : s.tierOf(r.adapter);
      if (tier != null) {
        candidates.add(new Candidate(p.id(), tier, p.load(), s.maxRunning()));
      }
    }
    if (candidates.isEmpty()) {
      return Verdict.NO_POD;
    }
    PodChooser.Choice choice = PodChooser.choose(r.adapter, candidates, turns++);
    if (choice == null) {
      return Verdict.FULL;
    }
    Pod pod = pool.pod(choice.pod());
    pod.acquire();
    r.pod = pod;
    r.outcome = choice.outcome();
    r.route = choice.outcome().label();
    r.tried.add(pod.id());
    r.attempts++;
    return Verdict.SENT;
  }
}
