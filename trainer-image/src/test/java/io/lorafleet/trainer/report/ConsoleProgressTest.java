package io.lorafleet.trainer.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.api.v1alpha1.jobs.RunProgress;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
  @Test
  void drawsStepLossesSpeedAndEta() {
    assertThat(
            ConsoleProgress.line(
                new RunProgress(300L, 1200L, 2.0, 1.23456, null, 1520.4, 42L, null, "now")))
        .isEqualTo(
            "[#######.......................] 300/1200  loss 1.2346  eval -  1520 tok/s  eta 42s");
    assertThat(
            ConsoleProgress.line(
                new RunProgress(0L, 10L, 0.0, null, null, null, null, null, "now")))
        .startsWith("[..............................] 0/10  loss -");
  }
}
