package io.lorafleet.router.testing;

import io.lorafleet.serving.pod.CanaryName;
import io.lorafleet.testcluster.ControlPlane;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A canary rollout's set-up as the operator leaves it, with real processes: two real servers where
 * adapter {@link #SERVED} (stable, {@code a0}'s weights) and {@code <SERVED>@canary} ({@code a1}'s
 * weights) are registered on both; the real control plane with the LoraAdapter CRD and a fresh
 * namespace. The router under test follows the LoraAdapters of that namespace whose BaseModel is
 * {@code tiny}; tests write their status.rollout as the operator would.
 */
public class CanaryPoolResource implements QuarkusTestResourceLifecycleManager {
  public static final String SERVED = "a0";
  public static final String NAMESPACE_PROPERTY = "lorafleet.test.canary-namespace";

  private ServerPool pool;
  private String namespace;

  @Override
  public Map<String, String> start() {
    try {
      pool = ServerPool.start(2, 2, 2, 4);
      String[] canary = pool.registrations.get("a1");
      for (int i = 0; i < 2; i++) {
        pool.register(i, CanaryName.of(SERVED), canary[0], canary[1]);
      }
      namespace = RolloutNamespace.create("router-canary-");
      System.setProperty(NAMESPACE_PROPERTY, namespace);
    } catch (Exception e) {
      throw new IllegalStateException("the canary pool did not start", e);
    }
    Map<String, String> props = new HashMap<>();
    props.put(
        "lorafleet.router.pods",
        pool.urls.stream().map(Object::toString).collect(Collectors.joining(",")));
    props.put("lorafleet.router.inference-token-file", pool.inferenceTokenFile.toString());
    props.put("lorafleet.router.namespace", namespace);
    props.put("lorafleet.router.base-model-ref", "tiny");
    for (int i = 0; i < 2; i++) {
      props.put("lorafleet.test.pod." + i + ".url", pool.urls.get(i).toString());
    }
    props.put("lorafleet.test.pool-root", pool.root.toString());
    return props;
  }

  @Override
  public void stop() {
    if (namespace != null) {
      ControlPlane.shared().adminClient().namespaces().withName(namespace).delete();
    }
    if (pool != null) {
      pool.close();
    }
  }
}
