package io.lorafleet.artifacts.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.lorafleet.artifacts.safetensors.SafetensorsFormatException;
import io.lorafleet.artifacts.safetensors.SafetensorsHeaderParser;
import java.nio.charset.StandardCharsets;

/** Any input may be rejected, but only with our typed exception; anything else is a bug. */
class SafetensorsHeaderFuzzTest {

  @FuzzTest(maxDuration = "25s")
  void headerJsonOnlyFailsWithFormatExceptions(FuzzedDataProvider data) {
    long dataSize = data.consumeLong(0, 1L << 40);
    byte[] json = data.consumeRemainingAsString().getBytes(StandardCharsets.UTF_8);
    try {
      SafetensorsHeaderParser.parse(json, 8 + json.length + dataSize);
    } catch (SafetensorsFormatException expected) {
      // rejected with a message naming the problem
    }
  }
}
