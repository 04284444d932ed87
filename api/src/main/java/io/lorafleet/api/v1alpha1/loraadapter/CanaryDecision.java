package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.Validation;

/**
 * A person's (or a GitOps tool's) verdict on one rollout: pinned to the canary's digest, so a
 * decision left in the spec never acts on a later version.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.digest.matches(" + Validation.DIGEST_PATTERN + ")",
    message = Validation.DIGEST_MESSAGE,
    fieldPath = ".digest")
@ValidationRule(
    value = "self.action != 'Continue' || has(self.step)",
    message = "step (the index of the paused step to leave) is required when action is Continue",
    fieldPath = ".step")
public record CanaryDecision(
    @JsonPropertyDescription(
            "The canary digest (status.rollout.canaryDigest) this decision is about; ignored for"
                + " any other version.")
        @Required
        String digest,
    @JsonPropertyDescription(
            "Promote: the canary becomes stable at once. Abort: roll back to stable. Continue:"
                + " leave the paused step given in step.")
        @Required
        Action action,
    @JsonPropertyDescription("With Continue: the index of the paused step to leave.")
        Integer step) {

  public enum Action {
    Promote,
    Abort,
    Continue
  }
}
