package io.lorafleet.server.pool;

import java.util.List;

/**
 * What a router needs to know about this pod, in one cheap answer: which adapters sit in which
 * tier, which more it can load on demand, how many slots it has and how busy it is. {@code version}
 * moves whenever any of it changes.
 */
public record PodState(
    long version,
    String baseModel,
    boolean ready,
    boolean draining,
    int maxRunning,
    int maxLoaded,
    int running,
    int waiting,
    int loading,
    List<Resident> adapters,
    List<String> registered) {

  /** An adapter version served here and the tier it sits in: device, host or disk. */
  public record Resident(String name, String digest, String tier) {}

  /** The same facts under another version (versions are not part of the comparison). */
  PodState withVersion(long v) {
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
