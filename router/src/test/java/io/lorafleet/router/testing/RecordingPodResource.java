package io.lorafleet.router.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** The router in front of one {@link RecordingPod}, which the test reaches as {@link #POD}. */
public class RecordingPodResource implements QuarkusTestResourceLifecycleManager {
  public static volatile RecordingPod POD;

  @Override
  public Map<String, String> start() {
    try {
      POD = new RecordingPod();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return Map.of("lorafleet.router.pods", POD.url());
  }

  @Override
  public void stop() {
    if (POD != null) {
      POD.close();
    }
  }
}
