package io.lorafleet.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/**
 * Container resources, in the shape of the Kubernetes core type. The rules repeat the API server's
 * checks of a pod's resources (isQuantity is in the CRD CEL environment from Kubernetes 1.29), so a
 * bad value is refused when the resource is applied, not later when the operator creates the pod.
 * Each map holds at most 8 entries: the API server estimates these rules' cost per entry, and with
 * 16 a real kube-apiserver 1.34 refused the CRD (cost budget exceeded by 1.5x).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.requests) || self.requests.all(k, isQuantity(string(self.requests[k])))",
    message = "each request must be a Kubernetes quantity, e.g. 4, 500m or 32Gi",
    fieldPath = ".requests")
@ValidationRule(
    value = "!has(self.limits) || self.limits.all(k, isQuantity(string(self.limits[k])))",
    message = "each limit must be a Kubernetes quantity, e.g. 4, 500m or 32Gi",
    fieldPath = ".limits")
@ValidationRule(
    value =
        "!has(self.requests) || self.requests.all(k, !k.contains('/') ||"
            + " k.startsWith('kubernetes.io/') || (has(self.limits) && k in self.limits &&"
            + " string(self.requests[k]) == string(self.limits[k])))",
    message =
        "extended resources such as nvidia.com/gpu cannot be overcommitted: give each one a limit"
            + " equal to its request (or a limit only)",
    fieldPath = ".requests")
public record ComputeResources(
    @JsonPropertyDescription(
            "Minimum resources, e.g. {\"cpu\": \"4\", \"memory\": \"32Gi\", \"nvidia.com/gpu\": 1}.")
        @Size(max = 8)
        Map<String, Quantity> requests,
    @JsonPropertyDescription(
            "Maximum resources. GPUs (nvidia.com/gpu) must have equal requests and limits.")
        @Size(max = 8)
        Map<String, Quantity> limits) {}
