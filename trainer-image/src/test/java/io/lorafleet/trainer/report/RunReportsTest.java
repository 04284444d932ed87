package io.lorafleet.trainer.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import io.lorafleet.trainer.storage.Place;
import io.lorafleet.trainer.storage.Places;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** progress.json is written at most every minInterval, unless a write is forced. */
class RunReportsTest {
  static final Instant T0 = Instant.parse("2026-12-06T07:00:00Z");

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = T0;

    void at(double seconds) {
      now = T0.plusMillis(Math.round(seconds * 1000));
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @TempDir Path dir;

  private static RunProgress step(long step) {
    return new RunProgress(step, 100L, 0.5, 1.0, null, 10.0, 60L, null, "t");
  }

  private long writtenStep() throws Exception {
    return new JsonMapper()
        .readTree(dir.resolve(RunReports.PROGRESS).toFile())
        .path("step")
        .asLong();
  }

  @Test
  void writesAtMostEveryIntervalUnlessForcedAndShowsEveryStep() throws Exception {
    ManualClock clock = new ManualClock();
    List<Long> seen = new ArrayList<>();
    try (Places places = new Places(Map.of())) {
      Place run = places.open(dir.toString(), null, "run.directory");
      RunReports reports =
          new RunReports(run, clock, Duration.ofSeconds(5)).observedBy(p -> seen.add(p.step()));

      clock.at(0);
      assertThat(reports.progress(step(1), false)).isTrue(); // the first write is never held back
      assertThat(writtenStep()).isEqualTo(1);
      clock.at(2);
      assertThat(reports.progress(step(2), false)).isFalse();
      clock.at(4.999);
      assertThat(reports.progress(step(3), false)).isFalse();
      assertThat(writtenStep()).isEqualTo(1);
      clock.at(5);
      assertThat(reports.progress(step(4), false)).isTrue(); // 5 s after the last write
      assertThat(writtenStep()).isEqualTo(4);
      clock.at(6);
      assertThat(reports.progress(step(5), true)).isTrue(); // forced (a checkpoint, the end)
      assertThat(writtenStep()).isEqualTo(5);
      clock.at(10.5);
      assertThat(reports.progress(step(6), false)).isFalse(); // the forced write restarted the wait
      assertThat(writtenStep()).isEqualTo(5);
      clock.at(11);
      assertThat(reports.progress(step(7), false)).isTrue();
      assertThat(writtenStep()).isEqualTo(7);
    }
    assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(Files.readString(dir.resolve(RunReports.PROGRESS)))
        .contains("\"totalSteps\" : 100")
        .doesNotContain("evalLoss");
  }
}
