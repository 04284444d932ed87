package io.lorafleet.router.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.router.testing.ChangingPodResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * A pod whose state is new at every poll is polled at most once per {@code state-min-interval} (100
 * ms here), not once per change: before, the router asked again the moment an answer came, so a
 * busy pod (its running count changes with every request start and end) cost the router a poll, a
 * JSON parse and a dispatcher pass per change. Counted over 2 s: at most 20 polls then, plus slack
 * for the first one; without the floor the count runs to the hundreds or thousands.
 */
@QuarkusTest
@WithTestResource(ChangingPodResource.class)
class StatePollSpacingTest {
  @Test
  void aPodThatAlwaysChangesIsPolledAtMostOncePerInterval() throws Exception {
    long end = System.nanoTime() + 20_000_000_000L;
    while (ChangingPodResource.POD.polls() < 2 && System.nanoTime() < end) {
      Thread.sleep(50); // the router has started polling
    }
    long before = ChangingPodResource.POD.polls();
    Thread.sleep(2000);
    long polls = ChangingPodResource.POD.polls() - before;
    assertThat(polls).as("polls in 2 s, at least 100 ms apart").isBetween(2L, 25L);
  }
}
