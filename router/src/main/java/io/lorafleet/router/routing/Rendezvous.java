package io.lorafleet.router.routing;

import java.nio.charset.StandardCharsets;

/**
 * Rendezvous (highest random weight) hashing: every router ranks the pods for an adapter the same
 * way, without coordination, and adding or removing a pod moves only the adapters whose first
 * choice it was. A cold adapter therefore goes to the same pod each time and is loaded once.
 */
public final class Rendezvous {
  private Rendezvous() {}

  /** The weight of {@code pod} for {@code key}; the highest weight is the first choice. */
  public static long weight(String key, String pod) {
    long h = 0xcbf29ce484222325L; // FNV-1a 64 over key, a separator, pod
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ 0xff) * 0x100000001b3L;
    for (byte b : pod.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    // splitmix64 finaliser: FNV's low bits alone mix poorly for short, similar strings
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
