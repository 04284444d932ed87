package io.lorafleet.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogTextTest {
  @Test
  void aNewlineOrQuoteCannotEndTheLineOrTheField() {
    String forged = "lora\n2026-12-07T00:00:00Z level=ERROR msg=\"forged\"\r\u2028\u0000";
    String safe = LogText.of(forged);
    assertThat(safe).doesNotContain("\n", "\r", "\u2028", "\u0000");
    assertThat(safe)
        .isEqualTo("lora\\n2026-12-07T00:00:00Z level=ERROR msg=\\\"forged\\\"\\r\\u2028\\u0000");
  }

  @Test
  void plainNamesAreUnchangedAndLongOnesCut() {
    assertThat(LogText.of("llama-3-8b/adapter_1:v2")).isEqualTo("llama-3-8b/adapter_1:v2");
    assertThat(LogText.of(null)).isEqualTo("null");
    assertThat(LogText.of("a".repeat(1000))).hasSize(203).endsWith("...");
  }
}
