package io.lorafleet.operator.storage;

import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.reconcile.GenerationCache;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;

/**
 * What object storage said about a resource's source, kept per resource generation ({@link
 * GenerationCache}): a base model's config.json and digest; an adapter's manifest, config and
 * header (an adapter is reconciled once per finished load on each pod, and none of these change for
 * a published version).
 */
@ApplicationScoped
public class ResolvedSources {
  private final ModelSourceResolver models;
  private final AdapterArtifactResolver adapters;
  private final GenerationCache<ResolvedModel> modelCache;
  private final GenerationCache<ResolvedAdapter> adapterCache;

  public ResolvedSources(
      ModelSourceResolver models,
      AdapterArtifactResolver adapters,
      OperatorConfig config,
      Clock clock) {
    this.models = models;
    this.adapters = adapters;
    this.modelCache = new GenerationCache<>(config.sourceRecheckInterval(), clock);
    this.adapterCache = new GenerationCache<>(config.sourceRecheckInterval(), clock);
  }

  public ResolvedModel model(BaseModel model) throws StorageFailure {
    String namespace = model.getMetadata().getNamespace();
    return modelCache.get(model, () -> models.resolve(namespace, model.getSpec().source()));
  }

  public ResolvedAdapter adapter(LoraAdapter adapter) throws StorageFailure {
    String namespace = adapter.getMetadata().getNamespace();
    return adapterCache.get(
        adapter, () -> adapters.resolve(namespace, adapter.getSpec().artifact()));
  }
}
