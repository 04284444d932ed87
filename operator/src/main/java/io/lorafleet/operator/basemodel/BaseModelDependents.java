package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The BaseModel as a secondary resource of the kinds built on one (LoraAdapter, FineTuneJob,
 * MergePolicy): the index of each kind's resources by BaseModel, the informer event source that
 * reconciles them when their BaseModel changes in a way that matters to them, and the gate a
 * training or merge run waits behind.
 */
public final class BaseModelDependents {
  /** The primary-cache index: a kind's resources by namespace and BaseModel name. */
  private static final String BY_BASE_MODEL = "by-base-model";

  private BaseModelDependents() {}

  /**
   * Indexes the kind's primary cache by BaseModel and returns the event source named {@code
   * base-models}: a change to a BaseModel reconciles the resources built on it, except a change of
   * its capacity alone ({@link BaseModelResources#mattersToDependents}).
   */
  public static <P extends HasMetadata> InformerEventSource<BaseModel, P> eventSource(
      Class<P> kind, EventSourceContext<P> context, Function<P, String> baseModelName) {
    context
        .getPrimaryCache()
        .addIndexer(
            BY_BASE_MODEL,
            p -> List.of(key(p.getMetadata().getNamespace(), baseModelName.apply(p))));
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(BaseModel.class, kind)
            .withName("base-models")
            .withOnUpdateFilter(BaseModelResources::mattersToDependents)
            .withSecondaryToPrimaryMapper(
                model ->
                    ids(
                        of(
                            context,
                            model.getMetadata().getNamespace(),
                            model.getMetadata().getName())))
            .withPrimaryToSecondaryMapper(
                (P p) ->
                    Set.of(new ResourceID(baseModelName.apply(p), p.getMetadata().getNamespace())))
            .build(),
        context);
  }

  /**
   * The kind's resources built on that BaseModel, from the index {@link #eventSource} set up; none
   * for a null name (a pod without the label).
   */
  public static <P extends HasMetadata> List<P> of(
      EventSourceContext<P> context, String namespace, String baseModel) {
    if (baseModel == null) {
      return List.of();
    }
    return context.getPrimaryCache().byIndex(BY_BASE_MODEL, key(namespace, baseModel));
  }

  public static Set<ResourceID> ids(List<? extends HasMetadata> resources) {
    return resources.stream().map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  private static String key(String namespace, String baseModel) {
    return namespace + "/" + baseModel;
  }

  /** Why a training or merge run waits for its BaseModel before anything is created. */
  public record Wait(boolean missing, String message) {}

  /**
   * Empty when the BaseModel exists and has resolved its model; otherwise why the run waits (a
   * BaseModel created later, or resolved later, reconciles it again through {@link #eventSource}).
   */
  public static Optional<Wait> unresolved(
      Optional<BaseModel> base, String baseModel, String namespace) {
    if (base.isEmpty()) {
      return Optional.of(
          new Wait(true, "BaseModel " + baseModel + " does not exist in namespace " + namespace));
    }
    if (base.get().getStatus() == null || base.get().getStatus().digest() == null) {
      return Optional.of(
          new Wait(false, "BaseModel " + baseModel + " has not resolved its model yet"));
    }
    return Optional.empty();
  }
}
