package io.lorafleet.operator.loraadapter;

import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.reconcile.GenerationCache;
import io.lorafleet.operator.storage.AdapterArtifactResolver;
import io.lorafleet.operator.storage.ResolvedAdapter;
import io.lorafleet.operator.storage.StorageFailure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;

/**
 * Resolved artifacts per LoraAdapter generation: an adapter is reconciled once per finished load on
 * each pod, and its manifest, config and header never change for a published version.
 */
@ApplicationScoped
public class ResolvedAdapters {
  private final AdapterArtifactResolver resolver;
  private final GenerationCache<ResolvedAdapter> cache;

  public ResolvedAdapters(AdapterArtifactResolver resolver, OperatorConfig config, Clock clock) {
    this.resolver = resolver;
    this.cache = new GenerationCache<>(config.sourceRecheckInterval(), clock);
  }

  public ResolvedAdapter resolve(LoraAdapter adapter) throws StorageFailure {
    return cache.get(
        adapter,
        () -> resolver.resolve(adapter.getMetadata().getNamespace(), adapter.getSpec().artifact()));
  }
}
