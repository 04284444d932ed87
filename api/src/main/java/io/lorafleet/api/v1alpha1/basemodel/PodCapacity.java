package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Adapter slots of one serving pod. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PodCapacity(
    @JsonPropertyDescription("Pod name.") String pod,
    @JsonPropertyDescription("Adapters loaded on the pod.") Integer slotsUsed,
    @JsonPropertyDescription("Adapters the pod can still load before evicting.")
        Integer slotsFree) {}
