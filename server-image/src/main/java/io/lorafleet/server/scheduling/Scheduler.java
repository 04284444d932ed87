package io.lorafleet.server.scheduling;

import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.ForwardBatches;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.server.metrics.ServerMetrics;
import io.lorafleet.server.residency.DeviceSlots;
import io.lorafleet.server.residency.HostCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Continuous batching on one engine thread. Every step it (1) admits waiting sequences ({@link
 * Admission}), (2) prefills the admitted ones in one forward, (3) decodes one token for every
 * running sequence in a second forward, rows ordered by adapter slot, and hands each token to its
 * client ({@link TokenDelivery}). Prefill and decode are separate forwards, so every row runs the
 * same kernels (gather LoRA kernels in decode) as when the request runs alone; since the engine's
 * forward is row-independent, batching changes nothing but speed. Nothing is ever preempted: the
 * cache for a sequence's whole length is reserved when it is admitted.
 */
public final class Scheduler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Scheduler.class);

  private final LlamaModel model;
  private final PagedKvCache cache;
  private final DeviceSlots device;
  private final ServerMetrics metrics;
  private final StepTimes times = new StepTimes();
  private final TokenDelivery delivery;
  private final Admission admission;

  private final List<Sequence> running = new ArrayList<>(); // engine thread only
  private volatile int runningCount;
  private volatile boolean draining;
  private volatile boolean stopped;
  private final AtomicBoolean drainReported = new AtomicBoolean();
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
    this.metrics = metrics;
    this.delivery = new TokenDelivery(model, cache, device, metrics);
    this.admission = new Admission(model, cache, device, host, metrics, limits, times, delivery);
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
    admission.enqueue(s);
    stateChanged.run();
  }

  public int waitingCount() {
    return admission.waitingCount();
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
    admission.signalWork();
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
    try {
      Admission.DrainState found = admission.awaitEmpty(endNanos, () -> runningCount);
      if (drainReported.compareAndSet(false, true)) { // the first of several callers reports
        LOG.infof(
            "drain %s: %d waiting, %d running",
            found.clean() ? "complete" : "timed out", found.waiting(), found.running());
      }
      return found.clean();
    } finally {
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
        if (!step() && !admission.awaitWork(stopped)) {
          stopped = true; // interrupted
        }
      } catch (RuntimeException | Error e) {
        LOG.error("engine step failed; failing the running sequences", e);
        for (Sequence s : new ArrayList<>(running)) {
          delivery.fail(s, new RequestFailure(500, "engine_error", "engine error: " + e, 0));
        }
        running.clear();
        runningCount = 0;
        stateChanged.run();
      }
    }
    List<Sequence> left = new ArrayList<>(running);
    left.addAll(admission.takeAll());
    for (Sequence s : left) {
      delivery.fail(
          s,
          RequestFailure.unavailable(
              "shutting_down",
              "the server stopped at its drain deadline before the request finished; retry",
              1));
    }
    LOG.info("engine thread stopped");
  }

  /** One engine step; false when there was nothing to do. */
  private boolean step() {
    int runningBefore = runningCount;
    long deviceBefore = device.changes();
    running.removeIf(
        s -> {
          if (s.cancelled()) {
            delivery.finish(s, null);
            return true;
          }
          return false;
        });
    device.evictRetired();
    Admission.Admitted admitted = admission.admit(running);
    if (!admitted.sequences().isEmpty()) {
      prefill(admitted.sequences());
    }
    running.removeIf(s -> s.finished);
    if (!running.isEmpty()) {
      decode();
      running.removeIf(s -> s.finished);
    }
    runningCount = running.size();
    if (admitted.queueMoved()
        || runningCount != runningBefore
        || device.changes() != deviceBefore) {
      stateChanged.run();
    }
    return !admitted.sequences().isEmpty() || !running.isEmpty();
  }

  private void prefill(List<Sequence> seqs) {
    seqs.sort(Comparator.comparingInt(s -> s.slot));
    long start = System.nanoTime();
    ForwardBatch batch = ForwardBatches.prefill(seqs, cache.blockSize());
    float[] logits;
    try {
      checkSlots(seqs);
      logits = model.forward(batch, device.table(), cache);
    } catch (RuntimeException e) {
      LOG.error("prefill failed", e);
      seqs.forEach(s -> delivery.fail(s, new RequestFailure(500, "engine_error", e.toString(), 0)));
      return;
    }
    long now = System.nanoTime();
    times.prefill(now - start, batch.rows());
    for (int i = 0; i < seqs.size(); i++) {
      Sequence s = seqs.get(i);
      metrics.promptTokens(s.model, s.prompt.length);
      running.add(s);
      delivery.deliver(s, delivery.pick(s, logits, i), now);
    }
  }

  private void decode() {
    running.sort(Comparator.comparingInt(s -> s.slot)); // rows of one adapter together
    checkSlots(running);
    long start = System.nanoTime();
    float[] logits =
        model.forward(ForwardBatches.decode(running, cache.blockSize()), device.table(), cache);
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
      delivery.deliver(running.get(i), delivery.pick(running.get(i), logits, i), now);
    }
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
