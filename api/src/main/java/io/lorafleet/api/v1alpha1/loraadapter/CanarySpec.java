package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** A canary rollout: traffic weights in steps, gated by an evaluation and online analysis. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.steps[size(self.steps) - 1].weight == 100",
    message = "the last step must send all traffic to the new version (weight 100)",
    fieldPath = ".steps")
public record CanarySpec(
    @JsonPropertyDescription(
            "Traffic steps in order, e.g. weights 10, 50, 100; the last one must be 100.")
        @Required
        @Size(min = 1, max = 10)
        List<CanaryStep> steps,
    @JsonPropertyDescription("What keeps one caller on one version during a step.")
        Stickiness stickiness,
    @JsonPropertyDescription(
            "Offline gate before the first step: the new version, the stable one and the base"
                + " model scored on a dataset by a Job of the trainer image (eval mode) while the"
                + " rollout is Evaluating; a failed gate rolls back before any traffic.")
        RolloutEvaluationSpec evaluation,
    @JsonPropertyDescription(
            "Online analysis between steps, from the router's per-version metrics.")
        OnlineAnalysisSpec analysis,
    @JsonPropertyDescription(
            "A forced promotion, abort or continue, pinned to the canary's digest.")
        CanaryDecision decision) {

  /** Without a decision. */
  public CanarySpec(
      List<CanaryStep> steps,
      Stickiness stickiness,
      RolloutEvaluationSpec evaluation,
      OnlineAnalysisSpec analysis) {
    this(steps, stickiness, evaluation, analysis, null);
  }
}
