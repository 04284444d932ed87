package io.lorafleet.serving.pod;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CanaryNameTest {
  @Test
  void aCanaryNameMapsBackToItsServedNameAndOthersStayAsTheyAre() {
    String canary = CanaryName.of("support-bot");
    assertThat(canary).isEqualTo("support-bot@canary");
    assertThat(CanaryName.isCanary(canary)).isTrue();
    assertThat(CanaryName.servedName(canary)).isEqualTo("support-bot");
    assertThat(CanaryName.isCanary("support-bot")).isFalse();
    assertThat(CanaryName.isCanary("@canary")).isFalse();
    assertThat(CanaryName.servedName("support-bot")).isEqualTo("support-bot");
  }
}
