package io.lorafleet.server.residency;

import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.server.probe.ProbeResult;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One loaded version of a served adapter: its name, digest and verified local copy (the disk tier).
 * The parsed weights (host tier) come and go; a sequence that captured this object keeps running on
 * exactly this version, whatever happens to the name afterwards.
 */
public final class AdapterVersion {
  private static final AtomicLong LOADS = new AtomicLong();

  private final String name;
  private final String digest;
  private final String source;
  private final Path localDir;
  private final int rank;
  private final boolean pinned;
  private final String key;
  private final ProbeResult probe;
  private final AtomicLong requestsServed = new AtomicLong();
  private volatile long lastUsedMillis;
  private volatile LoadedAdapter weights;
  private volatile CompletableFuture<LoadedAdapter> loading;
  private volatile int deviceSlot = -1;
  private volatile boolean retired;

  public AdapterVersion(
      String key,
      String name,
      String digest,
      String source,
      Path localDir,
      int rank,
      boolean pinned,
      ProbeResult probe) {
    this.key = key;
    this.probe = probe;
    this.name = name;
    this.digest = digest;
    this.source = source;
    this.localDir = localDir;
    this.rank = rank;
    this.pinned = pinned;
  }

  /**
   * A table key unique per load, so an old and a new copy of the same digest can sit in the adapter
   * table at once.
   */
  public static String newKey(String name, String digest) {
    return name
        + "@"
        + digest.substring(0, Math.min(12, digest.length()))
        + "#"
        + LOADS.incrementAndGet();
  }

  public String name() {
    return name;
  }

  /** Hex sha256 of the version's manifest (or of the listing of a local directory without one). */
  public String digest() {
    return digest;
  }

  public String source() {
    return source;
  }

  public Path localDir() {
    return localDir;
  }

  /** What the load probe measured for this version (its effect on the base model's logits). */
  public ProbeResult probe() {
    return probe;
  }

  public int rank() {
    return rank;
  }

  public boolean pinned() {
    return pinned;
  }

  /** Name of this version's entry in the engine's adapter table. */
  public String key() {
    return key;
  }

  public long requestsServed() {
    return requestsServed.get();
  }

  public long lastUsedMillis() {
    return lastUsedMillis;
  }

  public void used() {
    requestsServed.incrementAndGet();
    lastUsedMillis = System.currentTimeMillis();
  }

  public LoadedAdapter weights() {
    return weights;
  }

  void weights(LoadedAdapter w) {
    this.weights = w;
  }

  CompletableFuture<LoadedAdapter> loading() {
    return loading;
  }

  void loading(CompletableFuture<LoadedAdapter> f) {
    this.loading = f;
  }

  /** Slot in the active adapter table, or -1 (written by the engine thread only). */
  public int deviceSlot() {
    return deviceSlot;
  }

  void deviceSlot(int slot) {
    this.deviceSlot = slot;
  }

  /** True once unloaded or replaced: no new request gets it; running ones finish on it. */
  public boolean retired() {
    return retired;
  }

  void retire() {
    this.retired = true;
  }

  /** device (active slot), host (parsed in memory) or disk (verified local copy). */
  public String tier() {
    if (deviceSlot >= 0) {
      return "device";
    }
    return weights != null ? "host" : "disk";
  }

  @Override
  public String toString() {
    return name + " (sha256:" + digest + ")";
  }
}
