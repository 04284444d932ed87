package io.lorafleet.server.scheduling;

import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.GenerationResult.FinishReason;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.residency.AdapterVersion;
import io.lorafleet.server.residency.DeviceSlots;
import io.lorafleet.server.residency.HostCache;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Continuous batching on one engine thread. Every step it (1) admits waiting sequences in arrival
 * order while the batch has room (running sequences, prompt tokens per step, free KV-cache blocks
 * for the whole sequence) and their adapter is in the device tier, (2) prefills the admitted ones
 * in one forward, (3) decodes one token for every running sequence in a second forward, rows
 * ordered by adapter slot. Prefill and decode are separate forwards, so every row runs the same
 * kernels (gather LoRA kernels in decode) as when the request runs alone; since the engine's
 * forward is row-independent, batching changes nothing but speed. A sequence whose adapter is not
 * resident is skipped, not waited for: its load runs in the background and everything else keeps
 * flowing. KV blocks for prompt plus max_tokens are reserved at admission, so a running sequence
 * never runs out of cache and nothing is ever preempted.
 */
public final class Scheduler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Scheduler.class);

  private final LlamaModel model;
  private final PagedKvCache cache;
  private final DeviceSlots device;
  private final HostCache host;
  private final ServerMetrics metrics;
  private final SchedulerLimits limits;
  private final StepTimes times = new StepTimes();
  private final int vocab;
  private final int capacityBlocks;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition idle = lock.newCondition();
  private final Deque<Sequence> waiting = new ArrayDeque<>();
  private final List<Sequence> running = new ArrayList<>(); // engine thread only
  private volatile int runningCount;
  private volatile boolean draining;
  private volatile boolean stopped;
  private boolean drainReported; // guarded by lock
  private boolean queueMoved; // engine thread only: admit() took or dropped a waiting sequence
  private volatile Runnable stateChanged = () -> {};
  private final Thread thread;

  public Scheduler(
      LlamaModel model,
      PagedKvCache cache,
      DeviceSlots device,
      HostCache host,
      ServerMetrics metrics,
      SchedulerLimits limits) {
    this.model = model;
    this.cache = cache;
    this.device = device;
    this.host = host;
    this.metrics = metrics;
    this.limits = limits;
    this.vocab = model.config().vocabSize();
    this.capacityBlocks = cache.freeBlocks(); // a fresh cache: every block is free
    this.thread = Thread.ofPlatform().name("lorafleet-engine").unstarted(this::loop);
    host.onLoaded(this::wake);
  }

  public void start() {
    thread.start();
  }

  /**
   * Told (on the engine or a request thread; it must not block) whenever the running or waiting
   * count, the device tier or draining changes: the pod state follows these without polling.
   */
  public void onStateChange(Runnable r) {
    this.stateChanged = r;
  }

  /**
   * Queues a sequence, or refuses it: 503 while draining, 400 when it can never fit the cache or
   * the model's context, 429 when the waiting queue is full, 503 when its deadline cannot be met.
   */
  public void submit(Sequence s) throws RequestFailure.Rejected {
    if (draining || stopped) {
      throw new RequestFailure.Rejected(
          RequestFailure.unavailable("shutting_down", "the server is draining", 5));
    }
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
    if (blocksFor(s) > capacityBlocks()) {
      throw new RequestFailure.Rejected(
          RequestFailure.invalid(
              "context_length_exceeded",
              "prompt plus max_tokens need "
                  + s.maxPositions()
                  + " KV positions, the server's cache holds "
                  + capacityBlocks() * cache.blockSize()));
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
    stateChanged.run();
  }

  public int waitingCount() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  public int runningCount() {
    return runningCount;
  }

  public int freeBlocks() {
    return cache.freeBlocks();
  }

  public boolean draining() {
    return draining;
  }

  /** Wakes the engine (new work, a finished adapter load, a cancellation). */
  public void wake() {
    lock.lock();
    try {
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses new requests from now on (503 {@code shutting_down}); queued and running ones go on.
   */
  public void stopAdmitting() {
    draining = true;
    stateChanged.run();
  }

  /**
   * Stops admitting new requests and waits until everything queued and running has finished, at
   * most {@code timeout}; then stops the engine. Returns true when nothing was cut off.
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    return drainUntil(System.nanoTime() + timeout.toNanos());
  }

  /**
   * {@link #drain} until {@code endNanos} ({@link System#nanoTime}): what is still queued or
   * running then is cut, its client told 503 {@code shutting_down} (a stream as an error event
   * before {@code [DONE]}). Several callers may wait for the same deadline.
   */
  public boolean drainUntil(long endNanos) throws InterruptedException {
    draining = true;
    stateChanged.run();
    long end = endNanos;
    lock.lock();
    try {
      work.signal();
      while (!(waiting.isEmpty() && runningCount == 0)) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          break;
        }
        idle.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
      boolean clean = waiting.isEmpty() && runningCount == 0;
      if (!drainReported) { // the first of several callers reports what it found
        drainReported = true;
        LOG.infof(
            "drain %s: %d waiting, %d running",
            clean ? "complete" : "timed out", waiting.size(), runningCount);
      }
      return clean;
    } finally {
      lock.unlock();
      close();
    }
  }

  @Override
  public void close() {
    stopped = true;
    wake();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- engine thread

  private void loop() {
    LOG.info("engine thread started");
    while (!stopped) {
      try {
        if (!step()) {
          awaitWork();
        }
      } catch (RuntimeException | Error e) {
        LOG.error("engine step failed; failing the running sequences", e);
        for (Sequence s : new ArrayList<>(running)) {
          fail(s, new RequestFailure(500, "engine_error", "engine error: " + e, 0));
        }
        running.clear();
        runningCount = 0;
        stateChanged.run();
      }
    }
    List<Sequence> left = new ArrayList<>(running);
    lock.lock();
    try {
      left.addAll(waiting);
      waiting.clear();
    } finally {
      lock.unlock();
    }
    for (Sequence s : left) {
      fail(
          s,
          RequestFailure.unavailable(
              "shutting_down",
              "the server stopped at its drain deadline before the request finished; retry",
              1));
    }
    LOG.info("engine thread stopped");
  }

  private void awaitWork() {
    lock.lock();
    try {
      idle.signalAll();
      if (!stopped) {
        work.await(50, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    } finally {
      lock.unlock();
    }
  }

  /** One engine step; false when there was nothing to do. */
  private boolean step() {
    int runningBefore = runningCount;
    long deviceBefore = device.changes();
    queueMoved = false;
    running.removeIf(
        s -> {
          if (s.cancelled()) {
            finish(s, null);
            return true;
          }
          return false;
        });
    device.evictRetired();
    List<Sequence> admitted = admit();
    if (!admitted.isEmpty()) {
      prefill(admitted);
    }
    running.removeIf(s -> s.finished);
    if (!running.isEmpty()) {
      decode();
      running.removeIf(s -> s.finished);
    }
    runningCount = running.size();
    if (queueMoved || runningCount != runningBefore || device.changes() != deviceBefore) {
      stateChanged.run();
    }
    return !admitted.isEmpty() || !running.isEmpty();
  }

  private List<Sequence> admit() {
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
    queueMoved = !admitted.isEmpty() || !dropped.isEmpty();
    for (int i = 0; i < dropped.size(); i++) {
      Sequence s = dropped.get(i);
      if (reasons.get(i) == null) {
        finish(s, null);
      } else {
        fail(s, reasons.get(i));
      }
    }
    for (Sequence s : admitted) {
      long queued = now - s.arrivalNanos;
      metrics.queueTime(s.model, queued);
      times.queued(queued);
    }
    return admitted;
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

  private void prefill(List<Sequence> seqs) {
    seqs.sort(Comparator.comparingInt(s -> s.slot));
    long start = System.nanoTime();
    ForwardBatch batch = Batches.prefill(seqs, cache.blockSize());
    float[] logits;
    try {
      checkSlots(seqs);
      logits = model.forward(batch, device.table(), cache);
    } catch (RuntimeException e) {
      LOG.error("prefill failed", e);
      seqs.forEach(s -> fail(s, new RequestFailure(500, "engine_error", e.toString(), 0)));
      return;
    }
    long now = System.nanoTime();
    times.prefill(now - start, batch.rows());
    for (int i = 0; i < seqs.size(); i++) {
      Sequence s = seqs.get(i);
      metrics.promptTokens(s.model, s.prompt.length);
      running.add(s);
      deliver(s, pick(s, logits, i * vocab), now);
    }
  }

  private void decode() {
    running.sort(Comparator.comparingInt(s -> s.slot)); // rows of one adapter together
    checkSlots(running);
    long start = System.nanoTime();
    float[] logits =
        model.forward(Batches.decode(running, cache.blockSize()), device.table(), cache);
    long now = System.nanoTime();
    times.decodeStep(now - start);
    int distinct = 0;
    for (int i = 0; i < running.size(); i++) {
      if (i == 0 || running.get(i).slot != running.get(i - 1).slot) {
        distinct++; // rows are sorted by slot
      }
    }
    metrics.decodeStep(running.size(), distinct);
    for (int i = 0; i < running.size(); i++) {
      deliver(running.get(i), pick(running.get(i), logits, i * vocab), now);
    }
  }

  private int pick(Sequence s, float[] logits, int off) {
    SamplingParams p = s.params;
    return p.isGreedy()
        ? model.backend().argmax(logits, off, vocab)
        : model
            .backend()
            .sample(logits, off, vocab, p.temperature(), p.topK(), p.topP(), s.random.nextDouble());
  }

  private void deliver(Sequence s, int token, long now) {
    if (s.params.stopTokens().contains(token)) {
      finish(s, FinishReason.STOP);
      return;
    }
    s.generated++;
    s.last = token;
    s.length++;
    if (s.generated == 1) {
      metrics.timeToFirstToken(s.model, now - s.arrivalNanos);
    } else {
      metrics.interTokenLatency(s.model, now - s.lastTokenNanos);
    }
    s.lastTokenNanos = now;
    metrics.generatedToken(s.model);
    boolean more;
    try {
      more = s.sink.onToken(token);
    } catch (RuntimeException e) {
      LOG.warn("token sink failed; ending the sequence", e);
      finish(s, null);
      return;
    }
    if (!more) {
      finish(s, FinishReason.STOP);
    } else if (s.generated >= s.params.maxNewTokens()) {
      finish(s, FinishReason.LENGTH);
    }
  }

  /**
   * Ends a sequence; {@code reason} null means cancelled by the client, whose thread still waits
   * for an end (told with {@link RequestFailure#clientClosed()}).
   */
  private void finish(Sequence s, FinishReason reason) {
    release(s);
    if (reason == null) {
      metrics.request(s.model, "cancelled");
      try {
        s.sink.onError(RequestFailure.clientClosed());
      } catch (RuntimeException e) {
        LOG.warn("token sink failed at cancellation", e);
      }
      return;
    }
    metrics.request(s.model, "completed");
    try {
      s.sink.onFinish(reason, s.prompt.length, s.generated);
    } catch (RuntimeException e) {
      LOG.warn("token sink failed at finish", e);
    }
  }

  private void fail(Sequence s, RequestFailure failure) {
    release(s);
    metrics.request(s.model, failure.status() >= 500 ? "failed" : "rejected");
    try {
      s.sink.onError(failure);
    } catch (RuntimeException e) {
      LOG.warn("token sink failed at error", e);
    }
  }

  private void release(Sequence s) {
    if (s.finished) {
      return;
    }
    s.finished = true;
    if (s.blocks != null) {
      cache.release(s.blocks, s.blocks.length);
      s.blocks = null;
    }
    if (s.weights != null) {
      device.release(s.version);
      s.weights = null;
    }
  }

  private int blocksFor(Sequence s) {
    return (s.maxPositions() + cache.blockSize() - 1) / cache.blockSize();
  }

  private int capacityBlocks() {
    return capacityBlocks;
  }

  /** Every row must find in its slot the very weights it was admitted with. */
  private void checkSlots(List<Sequence> seqs) {
    for (Sequence s : seqs) {
      if (s.slot >= 0 && device.table().adapter(s.slot) != s.weights) {
        throw new IllegalStateException(
            "slot " + s.slot + " no longer holds the adapter version of a running sequence");
      }
    }
  }
}
