package io.lorafleet.operator.basemodel;

import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.reconcile.GenerationCache;
import io.lorafleet.operator.storage.ModelSourceResolver;
import io.lorafleet.operator.storage.ResolvedModel;
import io.lorafleet.operator.storage.StorageFailure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;

/** Resolved base-model sources per BaseModel generation (see {@link GenerationCache}). */
@ApplicationScoped
public class ResolvedModels {
  private final ModelSourceResolver resolver;
  private final GenerationCache<ResolvedModel> cache;

  public ResolvedModels(ModelSourceResolver resolver, OperatorConfig config, Clock clock) {
    this.resolver = resolver;
    this.cache = new GenerationCache<>(config.sourceRecheckInterval(), clock);
  }

  public ResolvedModel resolve(BaseModel model) throws StorageFailure {
    return cache.get(
        model,
        () -> resolver.resolve(model.getMetadata().getNamespace(), model.getSpec().source()));
  }
}
