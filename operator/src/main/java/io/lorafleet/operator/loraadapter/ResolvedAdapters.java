package io.lorafleet.operator.loraadapter;

import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.storage.AdapterArtifactResolver;
import io.lorafleet.operator.storage.ResolvedAdapter;
import io.lorafleet.operator.storage.StorageFailure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolved artifacts per LoraAdapter generation. An adapter is reconciled once per finished load on
 * each pod; reading its manifest, config and header again each time would make object storage the
 * bottleneck of a large fleet. A published version never changes, so the cache only expires to
 * notice a newer version under a prefix URI. Failures are not cached.
 */
@ApplicationScoped
public class ResolvedAdapters {
  private record Entry(long generation, ResolvedAdapter adapter, Instant at) {}

  private final AdapterArtifactResolver resolver;
  private final OperatorConfig config;
  private final Clock clock;
  private final Map<String, Entry> byUid = new ConcurrentHashMap<>();

  public ResolvedAdapters(AdapterArtifactResolver resolver, OperatorConfig config, Clock clock) {
    this.resolver = resolver;
    this.config = config;
    this.clock = clock;
  }

  public ResolvedAdapter resolve(LoraAdapter adapter) throws StorageFailure {
    String uid = adapter.getMetadata().getUid();
    long generation = adapter.getMetadata().getGeneration();
    Instant now = clock.instant();
    Entry cached = byUid.get(uid);
    if (cached != null
        && cached.generation() == generation
        && cached.at().plus(config.sourceRecheckInterval()).isAfter(now)) {
      return cached.adapter();
    }
    byUid.values().removeIf(e -> e.at().plus(config.sourceRecheckInterval()).isBefore(now));
    ResolvedAdapter resolved =
        resolver.resolve(adapter.getMetadata().getNamespace(), adapter.getSpec().artifact());
    byUid.put(uid, new Entry(generation, resolved, now));
    return resolved;
  }
}
