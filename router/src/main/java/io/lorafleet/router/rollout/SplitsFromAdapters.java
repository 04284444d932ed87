package io.lorafleet.router.rollout;

import io.lorafleet.api.v1alpha1.loraadapter.CanarySpec;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutPhase;
import io.lorafleet.api.v1alpha1.loraadapter.RolloutStatus;
import io.lorafleet.api.v1alpha1.loraadapter.Stickiness;
import java.util.HashMap;
import java.util.Map;

/**
 * The splits a set of LoraAdapters asks for: those of the pool's BaseModel whose {@code
 * status.rollout} is Progressing or Paused with a canary digest and a weight, by served name
 * ({@code spec.servedName}, else {@code metadata.name}, as the operator names it on the pods). A
 * split whose window (served name, canary digest, step) is unchanged keeps its counts.
 */
public final class SplitsFromAdapters {
  private SplitsFromAdapters() {}

  public static Map<String, RolloutSplit> splits(
      Iterable<LoraAdapter> adapters, String baseModelRef, Map<String, RolloutSplit> previous) {
    Map<String, RolloutSplit> out = new HashMap<>();
    for (LoraAdapter a : adapters) {
      RolloutSplit s = split(a, baseModelRef, previous);
      if (s != null) {
        out.put(s.servedName(), s);
      }
    }
    return out;
  }

  private static RolloutSplit split(
      LoraAdapter a, String baseModelRef, Map<String, RolloutSplit> previous) {
    if (a.getSpec() == null
        || a.getSpec().baseModelRef() == null
        || !baseModelRef.equals(a.getSpec().baseModelRef().name())
        || a.getStatus() == null) {
      return null;
    }
    RolloutStatus r = a.getStatus().rollout();
    if (r == null
        || (r.phase() != RolloutPhase.Progressing && r.phase() != RolloutPhase.Paused)
        || r.canaryDigest() == null
        || r.weight() == null) {
      return null;
    }
    String served =
        a.getSpec().servedName() != null ? a.getSpec().servedName() : a.getMetadata().getName();
    int step = r.step() == null ? 0 : r.step();
    int weight = Math.clamp(r.weight(), 0, 100);
    String header = stickyHeader(a);
    RolloutSplit before = previous.get(served);
    RolloutWindow window =
        before != null && before.window().counts(served, r.canaryDigest(), step)
            ? before.window()
            : new RolloutWindow(served, r.canaryDigest(), step);
    return new RolloutSplit(served, r.canaryDigest(), step, weight, header, window);
  }

  /** The header that pins a caller, or null for the body's {@code user} field (the default). */
  private static String stickyHeader(LoraAdapter a) {
    var rollout = a.getSpec().rollout();
    CanarySpec canary = rollout == null ? null : rollout.canary();
    Stickiness s = canary == null ? null : canary.stickiness();
    return s != null && s.key() == Stickiness.Key.HEADER ? s.header() : null;
  }
}
