package io.lorafleet.engine.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * A fixed fork/join pool sized to the cores, running {@code [0, n)} as contiguous chunks so each
 * worker streams its own slice of a weight matrix. Small ranges run inline on the caller.
 */
final class Parallel implements AutoCloseable {

  @FunctionalInterface
  interface RangeBody {
    void run(int from, int to);
  }

  /**
   * Multiply-adds below which a chunk is not worth a fork/join: waking a worker costs about as much
   * as this much work (measured ~14 us per parallel call on the 2-core VM).
   */
  private static final long MIN_WORK = 1 << 16;

  /**
   * The same threshold for work whose operands sit in cache (rank-r LoRA factors and their r-wide
   * intermediates): a multiply-add there costs a fraction of one that streams a weight matrix from
   * memory, so a region pays for its fork/join only at about 16x the work. Below it, the LoRA
   * shrink/expand of a decode step (eight small regions per layer) ran slower on two threads than
   * on one.
   */
  private static final long MIN_CACHED_WORK = 1 << 20;

  private final ForkJoinPool pool;
  private final int threads;

  Parallel(int threads) {
    this.threads = Math.max(1, threads);
    this.pool = this.threads == 1 ? null : new ForkJoinPool(this.threads);
  }

  int threads() {
    return threads;
  }

  /**
   * The smallest chunk worth its own task when each item costs {@code workPerItem} multiply-adds.
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

  /** Runs body over [0, n) in chunks of at least {@code minChunk} items. */
  void forRange(int n, int minChunk, RangeBody body) {
    if (n <= 0) {
      return;
    }
    // Four chunks per thread lets fast workers steal from slow ones.
    int chunk = Math.max(minChunk, (n + threads * 4 - 1) / (threads * 4));
    if (pool == null || n <= chunk) {
      body.run(0, n);
      return;
    }
    pool.invoke(new Split(0, n, chunk, body));
  }

  private static final class Split extends RecursiveAction {
    private static final long serialVersionUID = 1L;
    private final int from;
    private final int to;
    private final int chunk;
    private final transient RangeBody body;

    Split(int from, int to, int chunk, RangeBody body) {
      this.from = from;
      this.to = to;
      this.chunk = chunk;
      this.body = body;
    }

    @Override
    protected void compute() {
      if (to - from <= chunk) {
        body.run(from, to);
        return;
      }
      int mid = from + (to - from) / 2;
      invokeAll(new Split(from, mid, chunk, body), new Split(mid, to, chunk, body));
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
