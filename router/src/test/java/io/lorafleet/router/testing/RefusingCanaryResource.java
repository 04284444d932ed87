package io.lorafleet.router.testing;

import io.lorafleet.testcluster.ControlPlane;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The router in front of one {@link RefusingCanaryPod} ({@link #POD}), following the LoraAdapters
 * of a fresh namespace ({@link #NAMESPACE}) on the real control plane.
 */
public class RefusingCanaryResource implements QuarkusTestResourceLifecycleManager {
  public static final String SERVED = "r0";
  public static volatile RefusingCanaryPod POD;
  public static volatile String NAMESPACE;

  @Override
  public Map<String, String> start() {
    try {
      POD = new RefusingCanaryPod(SERVED);
      NAMESPACE = RolloutNamespace.create("router-refusal-");
    } catch (Exception e) {
      throw new IllegalStateException("the refusing pool did not start", e);
    }
    return Map.of(
        "lorafleet.router.pods",
        POD.url(),
        "lorafleet.router.namespace",
        NAMESPACE,
        "lorafleet.router.base-model-ref",
        "tiny");
  }

  @Override
  public void stop() {
    if (NAMESPACE != null) {
      ControlPlane.shared().adminClient().namespaces().withName(NAMESPACE).delete();
    }
    if (POD != null) {
      POD.close();
    }
  }
}
