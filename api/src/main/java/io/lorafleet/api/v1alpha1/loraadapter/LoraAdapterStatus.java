package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.Lineage;
import io.lorafleet.api.v1alpha1.common.LorafleetStatus;
import java.util.List;

/** What the operator resolved of the artifact and where it is loaded. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LoraAdapterStatus(
    @JsonPropertyDescription("metadata.generation this status describes.") Long observedGeneration,
    @JsonPropertyDescription("Ready, Progressing and Degraded.") List<Condition> conditions,
    @JsonPropertyDescription("Resolved artifact digest (sha256 of its manifest).") String digest,
    @JsonPropertyDescription("Name clients use in the 'model' field.") String servedName,
    @JsonPropertyDescription("LoRA rank r.") Integer rank,
    @JsonPropertyDescription("LoRA alpha.") Double alpha,
    @JsonPropertyDescription("Modules the adapter targets, e.g. q_proj.")
        List<String> targetModules,
    @JsonPropertyDescription("Size of the adapter weights in bytes.") Long sizeBytes,
    @JsonPropertyDescription("Pods that should hold the adapter.") Integer desiredReplicas,
    @JsonPropertyDescription("Pods that confirmed the resolved digest is loaded.")
        Integer readyReplicas,
    @JsonPropertyDescription(
            "Ready serving pods that have the resolved digest registered (builtin pools): each"
                + " loads the adapter on its first request there, so every pod can serve it.")
        Integer registeredReplicas,
    @JsonPropertyDescription(
            "Pods holding the adapter; at most "
                + MAX_PLACEMENTS
                + " are listed, the counts are"
                + " exact.")
        List<AdapterPlacement> placements,
    @JsonPropertyDescription("Where the adapter came from.") Lineage lineage,
    @JsonPropertyDescription(
            "Where a canary rollout stands (spec.rollout.strategy Canary); digest is then the"
                + " stable version's until the canary is promoted.")
        RolloutStatus rollout,
    @JsonPropertyDescription(
            "Ready serving pods that report the resolved version resident in any tier (builtin"
                + " pools; from the pods' own state reports, refreshed at most every few seconds).")
        Integer residentReplicas,
    @JsonPropertyDescription(
            "Of residentReplicas, the copies that requests loaded (demand copies), not kept warm by"
                + " placement.replicas.")
        Integer demandReplicas,
    @JsonPropertyDescription(
            "Where the resolved version is resident, warm or demand copy; at most "
                + MAX_PLACEMENTS
                + " pods are listed, the counts are exact.")
        List<ResidentCopy> residency)
    implements LorafleetStatus {

  /** Without rollout status and residency. */
  public LoraAdapterStatus(
      Long observedGeneration,
      List<Condition> conditions,
      String digest,
      String servedName,
      Integer rank,
      Double alpha,
      List<String> targetModules,
      Long sizeBytes,
      Integer desiredReplicas,
      Integer readyReplicas,
      Integer registeredReplicas,
      List<AdapterPlacement> placements,
      Lineage lineage) {
    this(
        observedGeneration,
        conditions,
        digest,
        servedName,
        rank,
        alpha,
        targetModules,
        sizeBytes,
        desiredReplicas,
        readyReplicas,
        registeredReplicas,
        placements,
        lineage,
        null,
        null,
        null,
        null);
  }

  /** Status size stays bounded however large the pool is. */
  public static final int MAX_PLACEMENTS = 32;

  /** The same observations with newly decided conditions. */
  public LoraAdapterStatus withConditions(long generation, List<Condition> newConditions) {
    return copy(generation, newConditions, rollout, residentReplicas, demandReplicas, residency);
  }

  /** The same observations with where a canary rollout stands. */
  public LoraAdapterStatus withRollout(RolloutStatus newRollout) {
    return copy(
        observedGeneration, conditions, newRollout, residentReplicas, demandReplicas, residency);
  }

  /** The same observations with where the pods report the adapter resident. */
  public LoraAdapterStatus withResidency(List<ResidentCopy> copies) {
    long demand = copies.stream().filter(c -> c.kind() == ResidentCopy.CopyKind.Demand).count();
    return copy(
        observedGeneration,
        conditions,
        rollout,
        copies.size(),
        (int) demand,
        // None is absent, not []: the client leaves empty lists out, so [] would never equal the
        // stored status and every reconcile would write it again.
        copies.isEmpty() ? null : copies.stream().limit(MAX_PLACEMENTS).toList());
  }

  /** The artifact and placement observations kept, the fields the with-methods replace given. */
  private LoraAdapterStatus copy(
      Long newGeneration,
      List<Condition> newConditions,
      RolloutStatus newRollout,
      Integer newResidentReplicas,
      Integer newDemandReplicas,
      List<ResidentCopy> newResidency) {
    return new LoraAdapterStatus(
        newGeneration,
        newConditions,
        digest,
        servedName,
        rank,
        alpha,
        targetModules,
        sizeBytes,
        desiredReplicas,
        readyReplicas,
        registeredReplicas,
        placements,
        lineage,
        newRollout,
        newResidentReplicas,
        newDemandReplicas,
        newResidency);
  }
}
