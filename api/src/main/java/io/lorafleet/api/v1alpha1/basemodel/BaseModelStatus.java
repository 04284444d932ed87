package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.LorafleetStatus;
import java.util.List;

/** What the operator observed of a base model and its serving pool. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BaseModelStatus(
    @JsonPropertyDescription("metadata.generation this status describes.") Long observedGeneration,
    @JsonPropertyDescription("Ready, Progressing and Degraded.") List<Condition> conditions,
    @JsonPropertyDescription(
            "Digest of the resolved model: sha256 of manifest.json for a published version; for a"
                + " plain HF directory, sha256 of its listing (file names, sizes and modification times), which"
                + " changes whenever a file does.")
        String digest,
    @JsonPropertyDescription("Architecture and shapes read from config.json.")
        ResolvedArchitecture architecture,
    @JsonPropertyDescription("Serving pods that exist.") Integer replicas,
    @JsonPropertyDescription("Serving pods that are ready.") Integer readyReplicas,
    @JsonPropertyDescription(
            "Adapter slots per ready serving pod, as the operator placed them; at most "
                + MAX_CAPACITY_PODS
                + " pods are listed, by name.")
        List<PodCapacity> capacity)
    implements LorafleetStatus {

  /** Status size stays bounded however large the pool is. */
  public static final int MAX_CAPACITY_PODS = 32;

  /** The same observations with newly decided conditions. */
  public BaseModelStatus withConditions(long generation, List<Condition> newConditions) {
    return new BaseModelStatus(
        generation, newConditions, digest, architecture, replicas, readyReplicas, capacity);
  }
}
