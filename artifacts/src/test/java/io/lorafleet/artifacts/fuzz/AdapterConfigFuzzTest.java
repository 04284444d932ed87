package io.lorafleet.artifacts.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.AdapterConfigException;
import io.lorafleet.artifacts.peft.AdapterConfigParser;
import java.nio.charset.StandardCharsets;

/** Parses fuzzed configs and exercises the matching they configure (regexes, patterns). */
class AdapterConfigFuzzTest {

  @FuzzTest(maxDuration = "25s")
  void adapterConfigOnlyFailsWithConfigExceptions(FuzzedDataProvider data) {
    int layer = data.consumeInt(0, 100);
    byte[] json = data.consumeRemainingAsString().getBytes(StandardCharsets.UTF_8);
    AdapterConfig c;
    try {
      c = AdapterConfigParser.parse(json);
    } catch (AdapterConfigException expected) {
      return;
    }
    c.unsupportedFeatures();
    for (LinearModule m : LinearModule.values()) {
      if (c.targets(m, layer)) {
        int r = c.rankFor(m.path(layer));
        c.scaleFor(m.path(layer), r);
      }
    }
  }
}
