package io.lorafleet.server.scheduling;

import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.server.residency.DeviceSlots;
import io.lorafleet.server.residency.HostCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * The waiting queue and who leaves it: refuses at the door what can never run or cannot wait
 * (context, cache capacity, a full queue, a deadline the current load cannot meet), and each engine
 * step admits waiting sequences in arrival order while the batch has room (running sequences,
 * prompt tokens per step, free KV-cache blocks for the whole sequence) and their adapter is in the
 * device tier. A sequence whose adapter is not resident is skipped, not waited for: its load starts
 * here and runs in the background. Blocks for prompt plus max_tokens are reserved at admission, so
 * a running sequence never runs out of cache.
 *
 * <p>Owns the lock that request threads and the engine thread share, and the two conditions on it:
 * work arrived, and the engine went idle.
 */
final class Admission {
  private final LlamaModel model;
  private final PagedKvCache cache;
  private final DeviceSlots device;
  private final HostCache host;
  private final ServerMetrics metrics;
  private final SchedulerLimits limits;
  private final StepTimes times;
  private final TokenDelivery delivery;
  private final int capacityBlocks;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition idle = lock.newCondition();
  private final Deque<Sequence> waiting = new ArrayDeque<>();

  Admission(
      LlamaModel model,
      PagedKvCache cache,
      DeviceSlots device,
      HostCache host,
      ServerMetrics metrics,
      SchedulerLimits limits,
      StepTimes times,
      TokenDelivery delivery) {
    this.model = model;
    this.cache = cache;
    this.device = device;
    this.host = host;
    this.metrics = metrics;
    this.limits = limits;
    this.times = times;
    this.delivery = delivery;
    this.capacityBlocks = cache.freeBlocks(); // a fresh cache: every block is free
  }

  /**
   * Queues a sequence, or refuses it: 400 when it can never fit the cache or the model's context,
   * 429 when the waiting queue is full, 503 when its deadline cannot be met.
   */
  void enqueue(Sequence s) throws RequestFailure.Rejected {
    int maxContext = model.config().maxPositionEmbeddings();
    if (s.maxPositions() > maxContext) {
      throw new RequestFailure.Rejected(
          RequestFailure.invalid(
              "context_length_exceeded",
              "prompt ("
                  + s.prompt.length
                  + " tokens) plus max_tokens ("
                  + s.params.maxNewTokens()
                  + ") exceed the model's context of "
                  + maxContext
                  + " tokens"));
    }
    if (blocksFor(s) > capacityBlocks) {
      throw new RequestFailure.Rejected(
          RequestFailure.invalid(
              "context_length_exceeded",
              "prompt plus max_tokens need "
                  + s.maxPositions()
                  + " KV positions, the server's cache holds "
                  + capacityBlocks * cache.blockSize()));
    }
    lock.lock();
    try {
      if (waiting.size() >= limits.maxWaiting()) {
        throw new RequestFailure.Rejected(
            RequestFailure.overloaded(
                "the server has " + waiting.size() + " requests waiting; retry later",
                times.retryAfterSeconds()));
      }
      if (s.deadlineNanos != 0) {
        long eta =
            System.nanoTime()
                + times.estimate(s.prompt.length, s.params.maxNewTokens(), waiting.isEmpty());
        if (eta > s.deadlineNanos) {
          throw new RequestFailure.Rejected(
              RequestFailure.unavailable(
                  "deadline_exceeded",
                  "the request cannot finish within its deadline at the current load (estimated"
                      + " "
                      + (eta - System.nanoTime()) / 1_000_000
                      + " ms)",
                  times.retryAfterSeconds()));
        }
      }
      waiting.addLast(s);
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  int waitingCount() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes the engine (new work, a finished adapter load, a cancellation). */
  void signalWork() {
    lock.lock();
    try {
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The engine has nothing to do: tells drain waiters, then waits up to 50 ms for work unless
   * {@code stopped}. Returns false when interrupted.
   */
  boolean awaitWork(boolean stopped) {
    lock.lock();
    try {
      idle.signalAll();
      if (!stopped) {
        work.await(50, TimeUnit.MILLISECONDS);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** A drain report: whether nothing was left, and what was. */
  record DrainState(boolean clean, int waiting, int running) {}

  /**
   * Wakes the engine, then waits until nothing is waiting or running, at most until {@code
   * endNanos}; returns the state found then, read under the lock.
   */
  DrainState awaitEmpty(long endNanos, IntSupplier running) throws InterruptedException {
    lock.lock();
    try {
      work.signal();
      while (!(waiting.isEmpty() && running.getAsInt() == 0)) {
        long left = endNanos - System.nanoTime();
        if (left <= 0) {
          break;
        }
        idle.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
      int r = running.getAsInt();
      return new DrainState(waiting.isEmpty() && r == 0, waiting.size(), r);
    } finally {
      lock.unlock();
    }
  }

  /** Empties the queue (the engine stopped): the caller fails what it returns. */
  List<Sequence> takeAll() {
    lock.lock();
    try {
      List<Sequence> all = new ArrayList<>(waiting);
      waiting.clear();
      return all;
    } finally {
      lock.unlock();
    }
  }

  /** One step's admissions, and whether the queue changed (something admitted or dropped). */
  record Admitted(List<Sequence> sequences, boolean queueMoved) {}

  /**
   * Takes the sequences that may start now beside {@code running} (engine thread), reserving their
   * cache blocks and adapter slots; ends cancelled and expired ones on the way.
   */
  Admitted admit(List<Sequence> running) {
    List<Sequence> admitted = new ArrayList<>();
    List<Sequence> dropped = new ArrayList<>();
    List<RequestFailure> reasons = new ArrayList<>();
    Set<AdapterVersion> blocked = new HashSet<>();
    long now = System.nanoTime();
    lock.lock();
    try {
      int freeBlocks = cache.freeBlocks();
      int prefillTokens = 0;
      int budget = limits.prefillBudget(!running.isEmpty());
      for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
        Sequence s = it.next();
        if (s.cancelled()) {
          it.remove();
          dropped.add(s);
          reasons.add(null);
          continue;
        }
        if (s.deadlineNanos != 0 && now > s.deadlineNanos) {
          it.remove();
          dropped.add(s);
          reasons.add(
              RequestFailure.unavailable(
                  "deadline_exceeded", "the deadline passed while the request waited", 1));
          continue;
        }
        if (running.size() + admitted.size() >= limits.maxRunning()) {
          break;
        }
        int need = blocksFor(s);
        if (need > freeBlocks) {
          break; // memory is granted in arrival order, so large requests are not starved
        }
        if (!admitted.isEmpty() && prefillTokens + s.prompt.length > budget) {
          break;
        }
        AdapterVersion v = s.version;
        if (v != null) {
          if (blocked.contains(v)) {
            continue;
          }
          if (device.admissibleSlot(v) < 0) {
            RequestFailure unavailable = makeResident(v);
            if (unavailable != null) {
              it.remove();
              dropped.add(s);
              reasons.add(unavailable);
              continue;
            }
            if (device.admissibleSlot(v) < 0) {
              blocked.add(v);
              continue;
            }
          }
          s.slot = device.admissibleSlot(v);
          s.weights = device.acquire(v);
          v.used();
        }
        it.remove();
        s.blocks = new int[need];
        for (int b = 0; b < need; b++) {
          s.blocks[b] = cache.allocate();
        }
        freeBlocks -= need;
        prefillTokens += s.prompt.length;
        s.length = s.prompt.length;
        admitted.add(s);
      }
    } finally {
      lock.unlock();
    }
    boolean queueMoved = !admitted.isEmpty() || !dropped.isEmpty();
    for (int i = 0; i < dropped.size(); i++) {
      Sequence s = dropped.get(i);
      if (reasons.get(i) == null) {
        delivery.finish(s, null);
      } else {
        delivery.fail(s, reasons.get(i));
      }
    }
    for (Sequence s : admitted) {
      long queued = now - s.arrivalNanos;
      metrics.queueTime(s.model, queued);
      times.queued(queued);
    }
    return new Admitted(admitted, queueMoved);
  }

  /**
   * Starts bringing {@code v} into the device tier: host tier first (background load from disk),
   * then a free or idle slot, else a drain of the least recently used slot. Returns a failure when
   * the version cannot be loaded at all.
   */
  private RequestFailure makeResident(AdapterVersion v) {
    if (device.isResident(v)) {
      return null; // draining; it becomes admissible again once reloaded after eviction
    }
    switch (host.ensure(v, model.config())) {
      case FAILED -> {
        Throwable t = host.failure(v);
        return RequestFailure.unavailable(
            "adapter_unavailable",
            "adapter " + v.name() + " could not be loaded: " + (t == null ? "" : t.getMessage()),
            5);
      }
      case LOADING -> {
        return null;
      }
      case READY -> {
        var weights = v.weights();
        if (weights != null && !device.place(v, weights)) {
          device.requestDrain();
        }
        return null;
      }
    }
    return null;
  }

  private int blocksFor(Sequence s) {
    return (s.maxPositions() + cache.blockSize() - 1) / cache.blockSize();
  }
}
