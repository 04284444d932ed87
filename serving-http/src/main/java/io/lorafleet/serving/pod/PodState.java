package io.lorafleet.serving.pod;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The body of {@code GET /v1/pod/state}: what a router needs to know about one serving pod, in one
 * cheap answer (which adapters sit in which tier, which more it can load on demand, how many slots
 * it has and how busy it is). The server writes it, the router reads it: this is the one
 * declaration of that contract. {@code version} moves whenever any of the rest changes. JSON names
 * are explicit (snake_case), so neither side's mapper configuration can change them; unknown fields
 * are ignored, so a newer pod can add fields for an older router.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PodState(
    @JsonProperty("version") long version,
    @JsonProperty("base_model") String baseModel,
    @JsonProperty("ready") boolean ready,
    @JsonProperty("draining") boolean draining,
    @JsonProperty("max_running") int maxRunning,
    @JsonProperty("max_loaded") int maxLoaded,
    @JsonProperty("running") int running,
    @JsonProperty("waiting") int waiting,
    @JsonProperty("loading") int loading,
    @JsonProperty("adapters") List<Resident> adapters,
    @JsonProperty("registered") List<String> registered) {

  public PodState {
    adapters = adapters == null ? List.of() : List.copyOf(adapters);
    registered = registered == null ? List.of() : List.copyOf(registered);
  }

  /** Tier names of {@link Resident#tier}, best first. */
  public static final String DEVICE = "device";

  public static final String HOST = "host";
  public static final String DISK = "disk";

  /**
   * An adapter version served on the pod and the tier it sits in: {@value #DEVICE} (in the engine's
   * adapter table), {@value #HOST} (parsed in memory) or {@value #DISK} (verified copy).
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Resident(
      @JsonProperty("name") String name,
      @JsonProperty("digest") String digest,
      @JsonProperty("tier") String tier) {}

  /** The same facts under another version (versions are not part of the comparison). */
  public PodState withVersion(long v) {
    return new PodState(
        v,
        baseModel,
        ready,
        draining,
        maxRunning,
        maxLoaded,
        running,
        waiting,
        loading,
        adapters,
        registered);
  }
}
