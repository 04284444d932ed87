package io.lorafleet.router.pool;

import io.lorafleet.serving.pod.PodState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The router's index of one pod's {@link PodState} (the body of {@code GET /v1/pod/state}, declared
 * once in serving-http): each adapter's tier by name, registered-but-cold ones included, so a
 * placement looks a name up once.
 */
public record PodStatus(
    long version,
    String baseModel,
    boolean ready,
    int maxRunning,
    int running,
    int waiting,
    Map<String, Tier> tiers,
    List<String> registered) {

  /** Where an adapter sits on a pod, best first. COLD: registered, nothing of it on the pod. */
  public enum Tier {
    DEVICE,
    HOST,
    DISK,
    COLD
  }

  /** Indexes the pod's answer. */
  public static PodStatus of(PodState s) {
    Map<String, Tier> tiers = new HashMap<>();
    for (PodState.Resident a : s.adapters()) {
      tiers.put(a.name(), tier(a.tier()));
    }
    List<String> registered = new ArrayList<>();
    for (String r : s.registered()) {
      registered.add(r);
      tiers.putIfAbsent(r, Tier.COLD);
    }
    return new PodStatus(
        s.version(),
        s.baseModel(),
        s.ready(),
        Math.max(1, s.maxRunning()),
        s.running(),
        s.waiting(),
        Map.copyOf(tiers),
        List.copyOf(registered));
  }

  /** The adapter's tier here, or null when this pod cannot serve it at all. */
  public Tier tierOf(String adapter) {
    return tiers.get(adapter);
  }

  private static Tier tier(String s) {
    return switch (s == null ? "" : s) {
      case PodState.DEVICE -> Tier.DEVICE;
      case PodState.HOST -> Tier.HOST;
      default -> Tier.DISK;
    };
  }
}
