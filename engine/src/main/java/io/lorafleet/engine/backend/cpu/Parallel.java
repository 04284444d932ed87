package io.lorafleet.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A team of {@code threads - 1} workers plus the calling thread running {@code [0, n)} as one
 * contiguous slice each, so each thread streams its own part of a weight matrix. Small ranges run
 * inline on the caller.
 *
 * <p>Why a team and not a fork/join pool: a decode step is a few hundred parallel regions of tens
 * of microseconds each, and waking a parked pool worker per region cost about as much as the region
 * saved (two threads decoded no faster than one). Workers here spin briefly on the published region
 * between regions (as llama.cpp's thread pool does) and park only after {@link #SPIN_NANOS} without
 * work, so an idle engine burns no CPU; the caller does its own slice instead of waiting.
 *
 * <p>One region at a time: a call made while another region runs (a nested call from a body, or a
 * second engine thread sharing the backend) runs inline on its caller.
 */
final class Parallel implements AutoCloseable {

  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }

  /**
   * Multiply-adds below which a slice is not worth handing to another thread: publishing a region
   * and waiting for a spinning worker costs a few microseconds, this much work about as long.
   */
  private static final long MIN_WORK = 1 << 16;

  /**
   * The same threshold for work whose operands sit in cache (rank-r LoRA factors and their r-wide
   * intermediates): a multiply-add there costs a fraction of one that streams a weight matrix from
   * memory, so a region pays for itself only at about 16x the work. Below it, the LoRA
   * shrink/expand of a decode step (eight small regions per layer) ran slower on two threads than
   * on one.
   */
  private static final long MIN_CACHED_WORK = 1 << 20;

  /** How long an idle worker waits for work before it parks; a decode step's gaps are shorter. */
  private static final long SPIN_NANOS = 200_000;

  /** How long a wait spins before it yields its core to whoever else is runnable. */
  private static final long SPIN_ONLY_NANOS = 20_000;

  private final int threads;
  private final Worker[] workers;
  private final AtomicBoolean busy = new AtomicBoolean();

  /** What the workers run: published whole, so a late worker never mixes two regions. */
  private record Region(RangeBody body, int n, int parts) {}

  private static final Region NONE = new Region((from, to) -> {}, 0, 0);

  private volatile Region region = NONE;
  private final AtomicInteger unfinished = new AtomicInteger();
  private volatile Throwable failure;
  private volatile boolean closed;

  Parallel(int threads) {
    this.threads = Math.max(1, threads);
    this.workers = new Worker[this.threads - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(i + 1);
      workers[i].thread.start();
    }
  }

  int threads() {
    return threads;
  }

  /**
   * The smallest chunk worth its own thread when each item costs {@code workPerItem} multiply-adds.
   */
  static int chunkFor(long workPerItem) {
    return chunk(MIN_WORK, workPerItem);
  }

  /** {@link #chunkFor} for items whose operands are cache-resident (see MIN_CACHED_WORK). */
  static int chunkForCached(long workPerItem) {
    return chunk(MIN_CACHED_WORK, workPerItem);
  }

  private static int chunk(long minWork, long workPerItem) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, minWork / Math.max(1, workPerItem)));
  }

  /** Runs body over [0, n) in contiguous slices of at least {@code minChunk} items. */
  void forRange(int n, int minChunk, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int parts =
        (int) Math.min(threads, (n + (long) Math.max(1, minChunk) - 1) / Math.max(1, minChunk));
    if (parts <= 1 || closed || !busy.compareAndSet(false, true)) {
      body.run(0, n);
      return;
    }
    try {
      runRegion(n, parts, body);
    } finally {
      busy.set(false);
    }
  }

  private void runRegion(int n, int parts, RangeBody body) {
    failure = null;
    unfinished.set(parts - 1);
    region = new Region(body, n, parts);
    for (int i = 0; i < parts - 1; i++) {
      workers[i].wake();
    }
    Throwable own = null;
    try {
      body.run(0, end(0, n, parts));
    } catch (Throwable t) {
      own = t;
    }
    awaitWorkers();
    Throwable failed = own != null ? own : failure;
    if (failed instanceof RuntimeException e) {
      throw e;
    }
    if (failed instanceof Error e) {
      throw e;
    }
    if (failed != null) {
      throw new IllegalStateException(failed);
    }
  }

  /**
   * Spins while the workers are likely still on a core, then yields: on an oversubscribed machine
   * (or a pod at its CPU limit) a worker may be descheduled, and spinning would only burn the slice
   * it needs.
   */
  private void awaitWorkers() {
    long spinUntil = System.nanoTime() + SPIN_ONLY_NANOS;
    while (unfinished.get() > 0) {
      if (System.nanoTime() < spinUntil) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
  }

  private static int end(int part, int n, int parts) {
    return (int) ((long) (part + 1) * n / parts);
  }

  @Override
  public void close() {
    closed = true;
    for (Worker worker : workers) {
      LockSupport.unpark(worker.thread);
    }
  }

  /** Slice {@code part} of every region whose part count reaches it. */
  private final class Worker implements Runnable {
    private final int part;
    private final Thread thread;
    private volatile boolean parked;

    Worker(int part) {
      this.part = part;
      this.thread = Thread.ofPlatform().daemon().name("lorafleet-cpu-" + part).unstarted(this);
    }

    void wake() {
      if (parked) {
        LockSupport.unpark(thread);
      }
    }

    @Override
    public void run() {
      // Not the current region: one published before this thread ran is ours to run too.
      Region seen = NONE;
      while (!closed) {
        Region current = awaitRegion(seen);
        if (current == seen) {
          continue;
        }
        seen = current;
        if (part >= current.parts()) {
          continue; // this region uses fewer threads
        }
        try {
          current
              .body()
              .run(
                  end(part - 1, current.n(), current.parts()),
                  end(part, current.n(), current.parts()));
        } catch (Throwable t) {
          failure = t;
        } finally {
          unfinished.decrementAndGet();
        }
      }
    }

    /** The next region after {@code seen}: spins, then parks (or returns on close). */
    private Region awaitRegion(Region seen) {
      long since = System.nanoTime();
      while (region == seen && !closed) {
        long waited = System.nanoTime() - since;
        if (waited < SPIN_ONLY_NANOS) {
          Thread.onSpinWait();
          continue;
        }
        if (waited < SPIN_NANOS) {
          Thread.yield();
          continue;
        }
        parked = true;
        // Checked again after announcing the park: a region published in between has woken us.
        if (region == seen && !closed) {
          LockSupport.park(this);
        }
        parked = false;
        since = System.nanoTime();
      }
      return region;
    }
  }
}
