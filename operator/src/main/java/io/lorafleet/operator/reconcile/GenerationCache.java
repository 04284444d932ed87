package io.lorafleet.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What was read from object storage for one resource generation. Reconciles come often (every pod,
 * Deployment or load event); storage is read again only for a new generation or once {@code maxAge}
 * has passed (to notice, say, a newer version under a prefix). Failures are not cached, so a fixed
 * Secret or upload is seen on the next retry. Entries of deleted resources age out.
 */
public final class GenerationCache<V> {
  /** Reads the value; may fail with the caller's own exception. */
  @FunctionalInterface
  public interface Loader<V, E extends Exception> {
    V load() throws E;
  }

  private record Entry<V>(long generation, V value, Instant at) {}

  private final Duration maxAge;
  private final Clock clock;
  private final Map<String, Entry<V>> byUid = new ConcurrentHashMap<>();

  public GenerationCache(Duration maxAge, Clock clock) {
    this.maxAge = maxAge;
    this.clock = clock;
  }

  public <E extends Exception> V get(HasMetadata resource, Loader<V, E> loader) throws E {
    String uid = resource.getMetadata().getUid();
    long generation = resource.getMetadata().getGeneration();
    Instant now = clock.instant();
    Entry<V> cached = byUid.get(uid);
    if (cached != null
        && cached.generation() == generation
        && cached.at().plus(maxAge).isAfter(now)) {
      return cached.value();
    }
    byUid.values().removeIf(e -> e.at().plus(maxAge).isBefore(now));
    V value = loader.load();
    byUid.put(uid, new Entry<>(generation, value, now));
    return value;
  }
}
