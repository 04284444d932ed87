package io.lorafleet.server.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.server.residency.AdapterReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While a stream decodes, one engine step admits at most max-prefill-tokens-while-decoding prompt
 * tokens (at least one request), so a wave of admissions (requests whose adapter just loaded) adds
 * one short prefill to each of several steps instead of one batch prefill to a single step: every
 * prompt prefilled in a step delays that step's token for every running stream. Deterministic: the
 * running stream's first token holds the engine thread until the three newcomers are queued, and
 * each newcomer records how many tokens the running stream had when its own first token came.
 */
class PrefillBudgetTest {
  private static final int[] PROMPT = {
    3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 46, 26, 43, 38, 32, 7
  };

  @Test
  void whileAStreamDecodesEachStepAdmitsOneSixteenTokenPrompt(@TempDir Path root) throws Exception {
    assertThat(admissionSteps(root, 16))
        .as("A's token count at each newcomer's first token")
        .doesNotHaveDuplicates();
  }

  @Test
  void withoutTheBudgetTheWaveIsPrefilledInOneStep(@TempDir Path root) throws Exception {
    List<Integer> steps = admissionSteps(root, 0);
    assertThat(steps).containsOnly(steps.getFirst());
  }

  private static List<Integer> admissionSteps(Path root, int budget) throws Exception {
    Path dir = root.resolve("budget-" + budget + "-" + System.nanoTime());
    CountDownLatch aStarted = new CountDownLatch(1);
    CountDownLatch queued = new CountDownLatch(1);
    AtomicInteger aTokens = new AtomicInteger();
    try (EngineFixture f =
        new EngineFixture(dir, new SchedulerLimits(8, 4096, 64, budget), AdapterReader.FROM_DISK)) {
      EngineFixture.Stream a =
          f.submit(
              null,
              PROMPT,
              24,
              t -> {
                if (aTokens.incrementAndGet() == 1) {
                  aStarted.countDown();
                  await(queued); // the engine thread waits here until the newcomers are queued
                }
              });
      assertThat(aStarted.await(120, TimeUnit.SECONDS)).isTrue();
      List<AtomicInteger> seenAt = new ArrayList<>();
      List<EngineFixture.Stream> newcomers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        AtomicInteger at = new AtomicInteger(-1);
        seenAt.add(at);
        newcomers.add(f.submit(null, PROMPT, 2, t -> at.compareAndSet(-1, aTokens.get())));
      }
      queued.countDown();
      a.done.get(120, TimeUnit.SECONDS);
      for (EngineFixture.Stream n : newcomers) {
        n.done.get(120, TimeUnit.SECONDS);
      }
      return seenAt.stream().map(AtomicInteger::get).toList();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
