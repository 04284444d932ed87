package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The adapter version a successful run published. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainedAdapter(
    @JsonPropertyDescription("LoraAdapter created or updated with the result.") String adapterName,
    @JsonPropertyDescription("Digest of the published version.") String digest,
    @JsonPropertyDescription("S3 URI of the published version directory.") String uri) {}
