package io.lorafleet.router.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** The router in front of one {@link BreakingPod} serving {@link #FORGED} as its base model. */
public class BreakingPodResource implements QuarkusTestResourceLifecycleManager {
  /** A model name that would start a forged log line if it reached a log unescaped. */
  public static final String FORGED =
      "x\n2026-12-07T00:00:00Z level=ERROR logger=forged msg=\"forged\"";

  private BreakingPod pod;

  @Override
  public Map<String, String> start() {
    try {
      pod = new BreakingPod(FORGED);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return Map.of("lorafleet.router.pods", pod.url());
  }

  @Override
  public void stop() {
    if (pod != null) {
      try {
        pod.close();
      } catch (Exception e) {
        // closing
      }
    }
  }
}
