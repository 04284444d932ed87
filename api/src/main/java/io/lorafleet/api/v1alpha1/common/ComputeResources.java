package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** Container resources, in the shape of the Kubernetes core type. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComputeResources(
    @JsonPropertyDescription(
            "Minimum resources, e.g. {\"cpu\": \"4\", \"memory\": \"32Gi\", \"nvidia.com/gpu\": 1}.")
        Map<String, Quantity> requests,
    @JsonPropertyDescription(
            "Maximum resources. GPUs (nvidia.com/gpu) must have equal requests and limits.")
        Map<String, Quantity> limits) {}
