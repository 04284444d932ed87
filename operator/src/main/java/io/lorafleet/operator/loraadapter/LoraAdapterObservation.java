package io.lorafleet.operator.loraadapter;

import io.lorafleet.api.v1alpha1.common.Lineage;
import io.lorafleet.api.v1alpha1.loraadapter.AdapterPlacement;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterStatus;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import io.lorafleet.operator.storage.ResolvedAdapter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What the operator saw of a LoraAdapter, before conditions are decided. */
final class LoraAdapterObservation {
  private LoraAdapterObservation() {}

  static LoraAdapterStatus unresolved(String servedName) {
    return new LoraAdapterStatus(
        null, null, null, servedName, null, null, null, null, null, null, null, null, null);
  }

  static LoraAdapterStatus of(
      ResolvedAdapter artifact, String servedName, int desired, List<AdapterPlacement> loaded) {
    return of(artifact, servedName, desired, loaded, null);
  }

  static LoraAdapterStatus of(
      ResolvedAdapter artifact,
      String servedName,
      int desired,
      List<AdapterPlacement> loaded,
      Integer registered) {
    return new LoraAdapterStatus(
        null,
        null,
        artifact.digest(),
        servedName,
        artifact.config().r(),
        artifact.config().loraAlpha(),
        targetModules(artifact.tensors()),
        artifact.sizeBytes(),
        desired,
        loaded.size(),
        registered,
        loaded.stream().limit(LoraAdapterStatus.MAX_PLACEMENTS).toList(),
        lineage(artifact.lineage()));
  }

  /** Module names as the tensors name them: ...layers.0.self_attn.q_proj.lora_A.weight. */
  static List<String> targetModules(List<TensorInfo> tensors) {
    return tensors.stream()
        .map(t -> Arrays.asList(t.name().split("\\.")))
        .filter(parts -> parts.indexOf("lora_A") > 0)
        .map(parts -> parts.get(parts.indexOf("lora_A") - 1))
        .distinct()
        .sorted()
        .toList();
  }

  private static Lineage lineage(Map<String, String> lineage) {
    if (lineage == null || lineage.isEmpty()) {
      return null;
    }
    String sources = lineage.get("sourceDigests");
    return new Lineage(
        lineage.get("fineTuneJob"),
        lineage.get("mergePolicy"),
        lineage.get("datasetDigest"),
        lineage.get("baseModelDigest"),
        sources == null ? null : List.of(sources.split(",")));
  }
}
