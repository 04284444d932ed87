package io.lorafleet.api.v1alpha1.mergepolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The version of a source adapter that the current output was merged from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SourceDigest(
    @JsonPropertyDescription("Source LoraAdapter name.") String adapter,
    @JsonPropertyDescription("Its digest at merge time.") String digest) {}
