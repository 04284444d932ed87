package io.lorafleet.router.rollout;

import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;

/**
 * Whether one request goes to the canary. With a sticky key (the caller's {@code user} or header
 * value) the choice is a deterministic bucket of (key, canaryDigest) in 0..99 compared with the
 * weight: one caller sees one version per step, and a caller on the canary at weight 10 stays on it
 * at 50 (its bucket is below both). The digest is mixed in so each new version draws a fresh set of
 * early callers. Without a key the choice is random.
 */
public final class SplitDecision {
  private SplitDecision() {}

  public static boolean toCanary(int weight, String canaryDigest, String key, RandomGenerator rnd) {
    if (weight <= 0) {
      return false;
    }
    if (weight >= 100) {
      return true;
    }
    int bucket = key == null ? rnd.nextInt(100) : bucket(key, canaryDigest);
    return bucket < weight;
  }

  /** The caller's bucket in 0..99: FNV-1a over key, a separator and digest, then a 64-bit mix. */
  static int bucket(String key, String canaryDigest) {
    long h = 0xcbf29ce484222325L;
    h = fnv(h, key.getBytes(StandardCharsets.UTF_8));
    h = (h ^ 0xff) * 0x100000001b3L; // 0xff never occurs in UTF-8: "ab"+"c" differs from "a"+"bc"
    h = fnv(h, canaryDigest.getBytes(StandardCharsets.UTF_8));
    // FNV's low bits are poorly mixed; a murmur3 finalizer spreads every input bit
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) Long.remainderUnsigned(h, 100);
  }

  private static long fnv(long h, byte[] bytes) {
    for (byte b : bytes) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return h;
  }
}
