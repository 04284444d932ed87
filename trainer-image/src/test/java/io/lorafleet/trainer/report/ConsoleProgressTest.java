package io.lorafleet.trainer.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
  @Test
  void drawsStepLossesSpeedAndEta() {
    assertThat(
            ConsoleProgress.line(
                new Progress(300, 1200, 2.0, 1.23456, null, 1520.4, 42L, null, "now")))
        .isEqualTo(
            "[#######.......................] 300/1200  loss 1.2346  eval -  1520 tok/s  eta 42s");
    assertThat(ConsoleProgress.line(new Progress(0, 10, 0, null, null, null, null, null, "now")))
        .startsWith("[..............................] 0/10  loss -");
  }
}
