package io.lorafleet.bench.serving;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * {@code concurrency} clients, each sending its next request as soon as the previous one finished,
 * until the workload is used up: the load a fleet of chat clients puts on one pod.
 */
final class ClosedLoop {
  private ClosedLoop() {}

  /** Runs the workload; {@code submit} returns a future that completes when the request ends. */
  static List<Timing> run(
      ServingWorkload workload,
      int concurrency,
      BiFunction<ServingWorkload.Request, Timing, CompletableFuture<?>> submit)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Timing> timings = new ArrayList<>();
    for (int i = 0; i < workload.requests().size(); i++) {
      timings.add(null);
    }
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < concurrency; c++) {
        clients.add(
            pool.submit(
                () -> {
                  int i;
                  while ((i = next.getAndIncrement()) < workload.requests().size()) {
                    Timing t = new Timing(System.nanoTime());
                    submit.apply(workload.requests().get(i), t).join();
                    synchronized (timings) {
                      timings.set(i, t);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : clients) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return timings;
  }
}
