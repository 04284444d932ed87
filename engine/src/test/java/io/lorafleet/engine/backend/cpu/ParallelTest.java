package io.lorafleet.engine.backend.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

  @Test
  void everyIndexRunsExactlyOnceOverManyRegionsOfEverySize() {
    try (Parallel parallel = new Parallel(3)) {
      for (int n = 1; n <= 300; n += 7) {
        for (int minChunk : new int[] {1, 4, 50, 1000}) {
          AtomicIntegerArray hits = new AtomicIntegerArray(n);
          parallel.forRange(
              n,
              minChunk,
              (from, to) -> {
                for (int i = from; i < to; i++) {
                  hits.incrementAndGet(i);
                }
              });
          for (int i = 0; i < n; i++) {
            assertThat(hits.get(i)).as("index %d of %d, min chunk %d", i, n, minChunk).isOne();
          }
        }
      }
    }
  }

  @Test
  void slicesAreContiguousOnePerThreadAndRespectTheMinimumChunk() {
    try (Parallel parallel = new Parallel(4)) {
      Set<String> slices = ConcurrentHashMap.newKeySet();
      parallel.forRange(100, 10, (from, to) -> slices.add(from + "-" + to));
      assertThat(slices).containsExactlyInAnyOrder("0-25", "25-50", "50-75", "75-100");
      slices.clear();
      parallel.forRange(25, 10, (from, to) -> slices.add(from + "-" + to));
      assertThat(slices)
          .as("three slices of at least ~10")
          .containsExactlyInAnyOrder("0-8", "8-16", "16-25");
      slices.clear();
      parallel.forRange(10, 10, (from, to) -> slices.add(from + "-" + to));
      assertThat(slices).as("too small to share").containsExactly("0-10");
    }
  }

  @Test
  void theWorkersRunSlicesOnOtherThreads() throws Exception {
    try (Parallel parallel = new Parallel(2)) {
      CountDownLatch bothInside = new CountDownLatch(2);
      Set<Thread> threads = ConcurrentHashMap.newKeySet();
      parallel.forRange(
          2,
          1,
          (from, to) -> {
            threads.add(Thread.currentThread());
            bothInside.countDown();
            try {
              // Both slices must be running at once: a team that ran them one after the other
              // would wait here for ever (bounded by the timeout below).
              assertThat(bothInside.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
          });
      assertThat(threads).hasSize(2).contains(Thread.currentThread());
    }
  }

  @Test
  void aFailureOnAWorkerOrOnTheCallerReachesTheCallerAndTheTeamGoesOn() {
    try (Parallel parallel = new Parallel(2)) {
      assertThatThrownBy(
              () ->
                  parallel.forRange(
                      10,
                      1,
                      (from, to) -> {
                        if (from > 0) {
                          throw new ArithmeticException("worker slice " + from);
                        }
                      }))
          .isInstanceOf(ArithmeticException.class)
          .hasMessage("worker slice 5");
      assertThatThrownBy(
              () ->
                  parallel.forRange(
                      10,
                      1,
                      (from, to) -> {
                        if (from == 0) {
                          throw new IllegalStateException("caller slice");
                        }
                      }))
          .hasMessage("caller slice");
      AtomicIntegerArray hits = new AtomicIntegerArray(10);
      parallel.forRange(10, 1, (from, to) -> hits.incrementAndGet(from));
      assertThat(hits.get(0) + hits.get(5)).isEqualTo(2);
    }
  }

  @Test
  void nestedAndConcurrentCallsRunInlineAndComplete() throws Exception {
    try (Parallel parallel = new Parallel(2);
        ExecutorService callers = Executors.newFixedThreadPool(4)) {
      AtomicIntegerArray hits = new AtomicIntegerArray(4 * 64 * 8);
      Future<?>[] done = new Future<?>[4];
      for (int c = 0; c < 4; c++) {
        int caller = c;
        done[c] =
            callers.submit(
                () -> {
                  for (int round = 0; round < 64; round++) {
                    int base = (caller * 64 + round) * 8;
                    parallel.forRange(
                        2,
                        1,
                        (from, to) -> {
                          for (int outer = from; outer < to; outer++) {
                            int row = base + outer * 4;
                            parallel.forRange(
                                4,
                                1,
                                (inner, innerTo) -> {
                                  for (int i = inner; i < innerTo; i++) {
                                    hits.incrementAndGet(row + i);
                                  }
                                });
                          }
                        });
                  }
                });
      }
      for (Future<?> f : done) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
      for (int i = 0; i < hits.length(); i++) {
        assertThat(hits.get(i)).as("cell %d", i).isOne();
      }
    }
  }

  @Test
  void afterCloseCallsRunInline() {
    Parallel parallel = new Parallel(2);
    parallel.close();
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    parallel.forRange(100, 1, (from, to) -> threads.add(Thread.currentThread()));
    assertThat(threads).containsExactly(Thread.currentThread());
  }
}
