package io.lorafleet.operator.loraadapter;

import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.operator.serving.ServingPod;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Chooses the serving pods that should hold an adapter. Pods that already hold it come first, so a
 * resync never moves an adapter; then the pods with the fewest adapters. Within one pool every pod
 * has the same slots, so "most free slots" orders the pods the same way as "fewest adapters".
 */
final class PlacementPlanner {
  private PlacementPlanner() {}

  /** How many pods should hold the adapter (may exceed the pods that exist). */
  static int desired(Placement placement, int readyPods) {
    return placement.onAllPods() ? readyPods : placement.replicas().getIntVal();
  }

  static List<ServingPod> choose(
      List<ServingPod> readyPods,
      Placement placement,
      Set<String> holdingPodUids,
      ToLongFunction<ServingPod> adaptersOnPod) {
    if (placement.onAllPods()) {
      return readyPods;
    }
    return readyPods.stream()
        .sorted(
            Comparator.comparing((ServingPod p) -> !holdingPodUids.contains(p.uid()))
                .thenComparingLong(adaptersOnPod)
                .thenComparing(ServingPod::name))
        .limit(placement.replicas().getIntVal())
        .toList();
  }
}
