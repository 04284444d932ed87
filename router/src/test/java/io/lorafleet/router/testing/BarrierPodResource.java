package io.lorafleet.router.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The router in front of one {@link BarrierPod} that waits for {@link #STREAMS} streams at once;
 * the test reaches the pod as {@link #POD}.
 */
public class BarrierPodResource implements QuarkusTestResourceLifecycleManager {
  public static final int STREAMS = 128;
  public static volatile BarrierPod POD;

  @Override
  public Map<String, String> start() {
    try {
      POD = new BarrierPod(STREAMS, 30);
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
