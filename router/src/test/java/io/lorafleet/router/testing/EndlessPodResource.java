package io.lorafleet.router.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** The router in front of one {@link EndlessPod}, with a 1 MiB bound on a pod's answer. */
public class EndlessPodResource implements QuarkusTestResourceLifecycleManager {
  private EndlessPod pod;

  @Override
  public Map<String, String> start() {
    try {
      pod = new EndlessPod();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return Map.of("lorafleet.router.pods", pod.url(), "lorafleet.router.max-response-size", "1M");
  }

  @Override
  public void stop() {
    if (pod != null) {
      pod.close();
    }
  }
}
