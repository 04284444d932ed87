package io.lorafleet.server.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.server.residency.AdapterReader;
import io.lorafleet.server.residency.AdapterVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading an adapter (re-verify, parse into the kernels' form) runs off the engine thread: while
 * one adapter's read is held open by a gate (deterministic, no timing), a running stream produces
 * every one of its tokens, and they are the tokens it produces alone; once the gate opens, the
 * waiting request is admitted and served.
 */
class AdapterLoadOffLoopTest {
  private static final int[] PROMPT = {5, 17, 29, 41, 53, 65, 77, 89};

  @Test
  void aRunningStreamKeepsItsTokensWhileAnAdapterReadIsHeld(@TempDir Path root) throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AdapterReader gated =
        (v, config) -> {
          if (v.name().equals("held")) {
            entered.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return AdapterReader.FROM_DISK.read(v, config);
        };
    try (EngineFixture f = new EngineFixture(root, new SchedulerLimits(8, 4096, 64), gated)) {
      AdapterVersion resident = f.adapter("resident", 11);
      AdapterVersion held = f.adapter("held", 12);
      List<Integer> alone = f.submit(resident, PROMPT, 24, t -> {}).done.get(120, TimeUnit.SECONDS);

      EngineFixture.Stream waiting = f.submit(held, PROMPT, 6, t -> {});
      assertThat(entered.await(120, TimeUnit.SECONDS)).as("the held read started").isTrue();
      EngineFixture.Stream running = f.submit(resident, PROMPT, 24, t -> {});
      List<Integer> during = running.done.get(120, TimeUnit.SECONDS);

      assertThat(release.getCount()).as("the read is still held").isEqualTo(1);
      assertThat(waiting.tokens).as("the request on the held adapter waits").isEmpty();
      assertThat(during).as("tokens while a read was held").isEqualTo(alone).hasSize(24);

      release.countDown();
      assertThat(waiting.done.get(120, TimeUnit.SECONDS)).hasSize(6);
    }
  }
}
