package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/**
 * How the serving Deployment replaces its pods when the spec changes (a rolling update). The
 * Kubernetes default (25 % surge) needs a spare GPU for every surge pod: on a pool that uses all
 * its GPUs the new pod stays Pending. Such pools set {@code maxSurge: 0, maxUnavailable: 1}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.maxSurge) || (type(self.maxSurge) == int ? self.maxSurge >= 0 :"
            + " string(self.maxSurge).matches('^[0-9]{1,3}%$'))",
    message = "maxSurge must be a number >= 0 or a percentage such as 25%",
    fieldPath = ".maxSurge")
@ValidationRule(
    value =
        "!has(self.maxUnavailable) || (type(self.maxUnavailable) == int ? self.maxUnavailable >="
            + " 0 : string(self.maxUnavailable).matches('^[0-9]{1,3}%$'))",
    message = "maxUnavailable must be a number >= 0 or a percentage such as 25%",
    fieldPath = ".maxUnavailable")
@ValidationRule(
    value =
        "!(has(self.maxSurge) && has(self.maxUnavailable) && string(self.maxSurge) in ['0',"
            + " '0%'] && string(self.maxUnavailable) in ['0', '0%'])",
    message = "maxSurge and maxUnavailable cannot both be 0: the rollout could never progress")
public record ServingRollout(
    @JsonPropertyDescription(
            "Pods created above the desired count during a rollout: a number or a percentage"
                + " (Kubernetes default 25%). 0 for pools without a spare GPU.")
        IntOrString maxSurge,
    @JsonPropertyDescription(
            "Pods that may be unavailable during a rollout: a number or a percentage (Kubernetes"
                + " default 25%; 1 when maxSurge is 0 and this is not set).")
        IntOrString maxUnavailable,
    @JsonPropertyDescription(
            "Seconds a rollout may go without progress before the Deployment reports"
                + " ProgressDeadlineExceeded and the BaseModel turns Progressing=False (Kubernetes"
                + " default 600). Large models on slow storage may need more.")
        @Min(1)
        Integer progressDeadlineSeconds) {}
