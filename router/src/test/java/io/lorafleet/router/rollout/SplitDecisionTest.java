package io.lorafleet.router.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The split decision: shares by weight, and stickiness per (caller, canary digest). */
class SplitDecisionTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @Test
  void weightTenSendsTenPercentOfUnkeyedRequestsToTheCanary() {
    Random rnd = new Random(19);
    for (int run = 0; run < 20; run++) {
      int canary = 0;
      for (int i = 0; i < 2000; i++) {
        canary += SplitDecision.toCanary(10, DIGEST, null, rnd) ? 1 : 0;
      }
      assertThat(canary / 20.0).as("canary percent of 2,000").isBetween(7.0, 13.0);
    }
  }

  @Test
  void weightTenSendsTenPercentOfCallersToTheCanary() {
    int canary = 0;
    for (int i = 0; i < 2000; i++) {
      canary += SplitDecision.toCanary(10, DIGEST, "user-" + i, null) ? 1 : 0;
    }
    assertThat(canary / 20.0).isBetween(7.0, 13.0);
  }

  @Test
  void aStickyCallerSeesOneVersionPerStepAndStaysOnTheCanaryAsItGrows() {
    Random rnd = new Random(1);
    int movedToStable = 0;
    int onCanaryAt10 = 0;
    for (int i = 0; i < 1000; i++) {
      String user = "caller-" + i;
      Map<Integer, Boolean> seen = new HashMap<>();
      for (int w : new int[] {10, 50}) {
        boolean first = SplitDecision.toCanary(w, DIGEST, user, rnd);
        for (int k = 0; k < 20; k++) {
          assertThat(SplitDecision.toCanary(w, DIGEST, user, rnd)).isEqualTo(first);
        }
        seen.put(w, first);
      }
      if (seen.get(10)) {
        onCanaryAt10++;
        movedToStable += seen.get(50) ? 0 : 1;
      }
    }
    assertThat(onCanaryAt10).isPositive();
    assertThat(movedToStable).isZero();
  }

  @Test
  void aNewCanaryDrawsOtherEarlyCallers() {
    int same = 0;
    for (int i = 0; i < 1000; i++) {
      boolean a = SplitDecision.toCanary(50, DIGEST, "u" + i, null);
      boolean b = SplitDecision.toCanary(50, "sha256:" + "cd".repeat(32), "u" + i, null);
      same += a == b ? 1 : 0;
    }
    assertThat(same).isBetween(400, 600); // independent halves agree about half the time
  }

  @Test
  void bucketsAreSpreadEvenly() {
    int[] perDecile = new int[10];
    for (int i = 0; i < 10_000; i++) {
      perDecile[SplitDecision.bucket("k" + i, DIGEST) / 10]++;
    }
    for (int n : perDecile) {
      assertThat(n).isBetween(900, 1100);
    }
  }

  @Test
  void weightsZeroAndHundredAreAbsolute() {
    Random rnd = new Random(2);
    for (int i = 0; i < 500; i++) {
      assertThat(SplitDecision.toCanary(0, DIGEST, i % 2 == 0 ? null : "u" + i, rnd)).isFalse();
      assertThat(SplitDecision.toCanary(100, DIGEST, i % 2 == 0 ? null : "u" + i, rnd)).isTrue();
    }
  }
}
