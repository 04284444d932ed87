package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One serving pod that holds the adapter, and which version it holds. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AdapterPlacement(
    @JsonPropertyDescription("Serving pod name.") String pod,
    @JsonPropertyDescription("Digest actually loaded on the pod, as the pod reports it.")
        String digest,
    @JsonPropertyDescription("When the pod confirmed the load (RFC 3339).") String loadedAt) {}
