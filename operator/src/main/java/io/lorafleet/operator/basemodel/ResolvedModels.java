package io.lorafleet.operator.basemodel;

import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.storage.ModelSourceResolver;
import io.lorafleet.operator.storage.ResolvedModel;
import io.lorafleet.operator.storage.StorageFailure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolved sources per BaseModel generation. Reconciles come often (every Deployment status
 * change); object storage is read again only for a new generation or after the recheck interval.
 * Failures are not cached, so a fixed Secret or upload is seen on the next retry. Entries of
 * deleted models age out with the others.
 */
@ApplicationScoped
public class ResolvedModels {
  private record Entry(long generation, ResolvedModel model, Instant at) {}

  private final ModelSourceResolver resolver;
  private final OperatorConfig config;
  private final Clock clock;
  private final Map<String, Entry> byUid = new ConcurrentHashMap<>();

  public ResolvedModels(ModelSourceResolver resolver, OperatorConfig config, Clock clock) {
    this.resolver = resolver;
    this.config = config;
    this.clock = clock;
  }

  public ResolvedModel resolve(BaseModel model) throws StorageFailure {
    String uid = model.getMetadata().getUid();
    long generation = model.getMetadata().getGeneration();
    Entry cached = byUid.get(uid);
    Instant now = clock.instant();
    if (cached != null
        && cached.generation() == generation
        && cached.at().plus(config.sourceRecheckInterval()).isAfter(now)) {
      return cached.model();
    }
    byUid.values().removeIf(e -> e.at().plus(config.sourceRecheckInterval()).isBefore(now));
    ResolvedModel resolved =
        resolver.resolve(model.getMetadata().getNamespace(), model.getSpec().source());
    byUid.put(uid, new Entry(generation, resolved, now));
    return resolved;
  }
}
