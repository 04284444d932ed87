package io.lorafleet.router.pool;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One pod's answer to {@code GET /v1/pod/state}, as the router uses it: which adapter sits in which
 * tier, which more it can load, how many sequences it runs at once and how many run or wait now.
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

  /** Parses the server's JSON (snake_case, see the server's PodState). */
  public static PodStatus parse(JsonNode n) {
    Map<String, Tier> tiers = new HashMap<>();
    for (JsonNode a : n.path("adapters")) {
      tiers.put(a.path("name").asText(), tier(a.path("tier").asText()));
    }
    List<String> registered = new java.util.ArrayList<>();
    for (JsonNode r : n.path("registered")) {
      registered.add(r.asText());
      tiers.putIfAbsent(r.asText(), Tier.COLD);
    }
    return new PodStatus(
        n.path("version").asLong(),
        n.path("base_model").isTextual() ? n.path("base_model").asText() : null,
        n.path("ready").asBoolean(),
        Math.max(1, n.path("max_running").asInt(1)),
        n.path("running").asInt(),
        n.path("waiting").asInt(),
        Map.copyOf(tiers),
        List.copyOf(registered));
  }

  /** The adapter's tier here, or null when this pod cannot serve it at all. */
  public Tier tierOf(String adapter) {
    return tiers.get(adapter);
  }

  private static Tier tier(String s) {
    return switch (s) {
      case "device" -> Tier.DEVICE;
      case "host" -> Tier.HOST;
      default -> Tier.DISK;
    };
  }
}
