package io.lorafleet.router.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Three real servers (two device slots, four running sequences each) with twelve registered
 * adapters; the router under test is pointed at them. Tests reach the pods through the
 * configuration: {@code lorafleet.test.pod.<i>.url} and {@code .pid}.
 */
public class PoolTestResource implements QuarkusTestResourceLifecycleManager {
  public static final int PODS = 3;
  public static final int ADAPTERS = 12;

  private ServerPool pool;

  @Override
  public Map<String, String> start() {
    try {
      pool = ServerPool.start(PODS, ADAPTERS, 2, 4);
    } catch (Exception e) {
      throw new IllegalStateException("the server pool did not start", e);
    }
    Map<String, String> props = new HashMap<>();
    props.put(
        "lorafleet.router.pods",
        pool.urls.stream().map(Object::toString).collect(Collectors.joining(",")));
    props.put("lorafleet.router.inference-token-file", pool.inferenceTokenFile.toString());
    props.put("lorafleet.router.pod-header", "true");
    props.put("lorafleet.router.max-queued", "8");
    for (int i = 0; i < PODS; i++) {
      props.put("lorafleet.test.pod." + i + ".url", pool.urls.get(i).toString());
      props.put("lorafleet.test.pod." + i + ".pid", Long.toString(pool.processes.get(i).pid()));
    }
    props.put("lorafleet.test.adapters", String.join(",", pool.adapters));
    return props;
  }

  @Override
  public void stop() {
    if (pool != null) {
      pool.close();
    }
  }
}
