package io.lorafleet.api.v1alpha1.mergepolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.LorafleetStatus;
import java.util.List;

/** Which source versions were merged and what came out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MergePolicyStatus(
    @JsonPropertyDescription("metadata.generation this status describes.") Long observedGeneration,
    @JsonPropertyDescription("Ready, Progressing and Degraded.") List<Condition> conditions,
    @JsonPropertyDescription("Source digests the current output was merged from.")
        List<SourceDigest> sourceDigests,
    @JsonPropertyDescription("The merged adapter.") MergedAdapter output,
    @JsonPropertyDescription("The batch/v1 Job of the current or last merge.") String jobName,
    @JsonPropertyDescription("When the current output was published (RFC 3339).")
        String lastMergeTime)
    implements LorafleetStatus {

  /** The same observations with newly decided conditions. */
  public MergePolicyStatus withConditions(long generation, List<Condition> newConditions) {
    return new MergePolicyStatus(
        generation, newConditions, sourceDigests, output, jobName, lastMergeTime);
  }
}
