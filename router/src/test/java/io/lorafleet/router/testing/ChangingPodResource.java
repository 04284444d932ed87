package io.lorafleet.router.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The router in front of one {@link ChangingPod} (reached as {@link #POD}), state polls at least
 * 100 ms apart.
 */
public class ChangingPodResource implements QuarkusTestResourceLifecycleManager {
  public static volatile ChangingPod POD;

  @Override
  public Map<String, String> start() {
    try {
      POD = new ChangingPod();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return Map.of(
        "lorafleet.router.pods", POD.url(), "lorafleet.router.state-min-interval", "100ms");
  }

  @Override
  public void stop() {
    if (POD != null) {
      POD.close();
    }
  }
}
