package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Where an adapter came from, as recorded in its manifest. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Lineage(
    @JsonPropertyDescription("FineTuneJob that trained the adapter, if any.") String fineTuneJob,
    @JsonPropertyDescription("MergePolicy that produced the adapter, if any.") String mergePolicy,
    @JsonPropertyDescription("sha256 of the training dataset.") String datasetDigest,
    @JsonPropertyDescription("Digest of the base model the adapter was trained or merged on.")
        String baseModelDigest,
    @JsonPropertyDescription("Digests of the merged source adapters, in merge order.")
        List<String> sourceDigests) {}
