package io.lorafleet.api.v1alpha1.mergepolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The published merged adapter. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MergedAdapter(
    @JsonPropertyDescription("LoraAdapter serving the merged adapter.") String adapterName,
    @JsonPropertyDescription("Digest of the published version.") String digest,
    @JsonPropertyDescription("S3 URI of the published version directory.") String uri,
    @JsonPropertyDescription("Relative Frobenius error of a rank-truncated result, if any.")
        Double truncationError) {}
