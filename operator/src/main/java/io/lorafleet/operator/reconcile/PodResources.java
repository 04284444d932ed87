package io.lorafleet.operator.reconcile;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Container resources with the operator's defaults (review T7): a pod without requests runs
 * BestEffort, first to be evicted and placed anywhere; and our JVM images size their heap as {@code
 * -XX:MaxRAMPercentage} of the memory limit, which without a limit is the node's memory. What the
 * spec gives is kept; a default only fills a resource the spec names nowhere (a default request
 * above a given limit would be refused by the API server).
 */
public final class PodResources {
  public static final String CPU = "cpu";
  public static final String MEMORY = "memory";
  public static final String EPHEMERAL_STORAGE = "ephemeral-storage";

  /** Requests for a container whose spec names no cpu or memory. */
  public record Defaults(Quantity cpu, Quantity memory, boolean memoryLimitFromRequest) {}

  /** The builtin server, the trainer and merges: JVMs that size their heap from the limit. */
  public static final Defaults JVM = new Defaults(new Quantity("1"), new Quantity("4Gi"), true);

  /** vLLM: a Python process whose host memory grows with CPU-cached adapters; no default limit. */
  public static final Defaults VLLM = new Defaults(new Quantity("1"), new Quantity("8Gi"), false);

  private PodResources() {}

  public static ResourceRequirements of(ComputeResources spec, Defaults defaults) {
    return of(spec, defaults, null);
  }

  /**
   * With {@code ephemeral} non-null, the pod also requests that much local disk unless the spec
   * names ephemeral-storage: the scheduler then places it on a node with room for its cache.
   */
  public static ResourceRequirements of(
      ComputeResources spec, Defaults defaults, Quantity ephemeral) {
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    if (spec != null && spec.requests() != null) {
      requests.putAll(spec.requests());
    }
    if (spec != null && spec.limits() != null) {
      limits.putAll(spec.limits());
    }
    defaultRequest(requests, limits, CPU, defaults.cpu());
    defaultRequest(requests, limits, MEMORY, defaults.memory());
    if (ephemeral != null) {
      defaultRequest(requests, limits, EPHEMERAL_STORAGE, ephemeral);
    }
    if (defaults.memoryLimitFromRequest() && !limits.containsKey(MEMORY)) {
      limits.put(MEMORY, requests.get(MEMORY));
    }
    return new ResourceRequirementsBuilder()
        .withRequests(requests)
        .withLimits(limits.isEmpty() ? null : limits)
        .build();
  }

  /** What the pod may use of a resource: its limit, else its request. */
  public static Quantity allowance(ResourceRequirements resources, String name) {
    if (resources.getLimits() != null && resources.getLimits().containsKey(name)) {
      return resources.getLimits().get(name);
    }
    return resources.getRequests() == null ? null : resources.getRequests().get(name);
  }

  private static void defaultRequest(
      Map<String, Quantity> requests, Map<String, Quantity> limits, String name, Quantity value) {
    if (!requests.containsKey(name) && !limits.containsKey(name)) {
      requests.put(name, value);
    }
  }
}
