package io.lorafleet.operator.basemodel;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatus;
import io.lorafleet.api.v1alpha1.basemodel.LinearModuleShape;
import io.lorafleet.api.v1alpha1.basemodel.PodCapacity;
import io.lorafleet.api.v1alpha1.basemodel.ResolvedArchitecture;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.operator.storage.ResolvedModel;
import java.util.List;
import java.util.Locale;

/** What the operator saw of a BaseModel, before conditions are decided. */
final class BaseModelObservation {
  private BaseModelObservation() {}

  static BaseModelStatus of(
      ResolvedModel model, Deployment deployment, List<PodCapacity> capacity) {
    int replicas = 0;
    int ready = 0;
    if (deployment != null && deployment.getStatus() != null) {
      replicas = orZero(deployment.getStatus().getReplicas());
      ready = orZero(deployment.getStatus().getReadyReplicas());
    }
    return new BaseModelStatus(
        null,
        null,
        model.digest(),
        architecture(model.config()),
        replicas,
        ready,
        capacity.isEmpty() ? null : capacity);
  }

  /** Nothing resolved: keep the pod counts last seen, forget the source's details. */
  static BaseModelStatus unresolved(BaseModelStatus previous) {
    return new BaseModelStatus(
        null,
        null,
        null,
        null,
        previous == null ? null : previous.replicas(),
        previous == null ? null : previous.readyReplicas(),
        null);
  }

  static ResolvedArchitecture architecture(ModelConfig config) {
    List<LinearModuleShape> modules =
        config.linearShapes().entrySet().stream()
            .map(
                e ->
                    new LinearModuleShape(
                        e.getKey().moduleName(), e.getValue().out(), e.getValue().in()))
            .toList();
    return new ResolvedArchitecture(
        config.architecture(),
        config.modelType(),
        (long) config.hiddenSize(),
        (long) config.intermediateSize(),
        (long) config.numHiddenLayers(),
        (long) config.numAttentionHeads(),
        (long) config.numKeyValueHeads(),
        (long) config.vocabSize(),
        config.dtype().name().toLowerCase(Locale.ROOT),
        modules);
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
