package io.lorafleet.operator.loraadapter.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.api.v1alpha1.loraadapter.OnlineAnalysisSpec;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus.RolloutCheck;
import io.lorafleet.serving.router.RolloutTraffic;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The canary judged against stable from merged router counts. */
class OnlineAnalysisTest {
  private static final OnlineAnalysisSpec SPEC = new OnlineAnalysisSpec(100, 0.01, 0.2);

  /** {@code requests} of which {@code failures} failed; the others' first byte in bucket i. */
  private static RolloutTraffic.VersionTraffic version(long requests, long failures, int bucket) {
    List<Long> counts = new ArrayList<>();
    for (int i = 0; i <= RolloutTraffic.TTFT_BOUNDS_MS.size(); i++) {
      counts.add(i == bucket ? requests - failures : 0L);
    }
    return new RolloutTraffic.VersionTraffic(requests, failures, counts);
  }

  private static RolloutTraffic window(
      RolloutTraffic.VersionTraffic stable, RolloutTraffic.VersionTraffic canary) {
    return new RolloutTraffic("tone", "sha256:" + "c".repeat(64), 1, stable, canary);
  }

  private static RolloutCheck check(AnalysisVerdict verdict, String name) {
    return verdict.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void waitsForTheMinimumOfCanaryRequests() {
    AnalysisVerdict verdict =
        OnlineAnalysis.judge(SPEC, window(version(900, 0, 3), version(99, 50, 3)));
    assertThat(verdict.outcome()).isEqualTo(AnalysisVerdict.Outcome.WAITING);
    assertThat(check(verdict, "canaryRequests").candidate()).isEqualTo(99.0);
    assertThat(verdict.summary()).contains("waits for 100 canary requests, has 99");
  }

  @Test
  void passesWithinTheThresholdsAndFailsBeyondThemWithTheNumbers() {
    // 1 % more errors than stable is allowed: 2/100 against 1/100.
    AnalysisVerdict ok = OnlineAnalysis.judge(SPEC, window(version(100, 1, 3), version(100, 2, 3)));
    assertThat(ok.outcome()).isEqualTo(AnalysisVerdict.Outcome.PASSED);
    AnalysisVerdict errors =
        OnlineAnalysis.judge(SPEC, window(version(100, 1, 3), version(100, 3, 3)));
    assertThat(errors.outcome()).isEqualTo(AnalysisVerdict.Outcome.FAILED);
    assertThat(errors.summary()).contains("errorRate 0.0300 > limit 0.0200 (stable 0.0100, 3/100");
    assertThat(check(errors, "errorRate").passed()).isFalse();
  }

  @Test
  void aSlowerCanaryFailsOnTtftP95() {
    // Stable's p95 in the 50 ms bucket, the canary's in the 100 ms one: more than 20 % slower.
    AnalysisVerdict slow =
        OnlineAnalysis.judge(SPEC, window(version(200, 0, 3), version(200, 0, 4)));
    assertThat(slow.outcome()).isEqualTo(AnalysisVerdict.Outcome.FAILED);
    RolloutCheck ttft = check(slow, "ttftP95Ms");
    assertThat(ttft.candidate()).isEqualTo(100.0);
    assertThat(ttft.reference()).isEqualTo(50.0);
    assertThat(ttft.limit()).isEqualTo(60.0);
    assertThat(slow.summary()).contains("ttftP95Ms 100 > limit 60 (stable 50)");
  }
}
