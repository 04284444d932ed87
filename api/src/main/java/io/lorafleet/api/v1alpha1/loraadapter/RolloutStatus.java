package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Where a rollout stands. Written only once a canary controller exists (not built yet). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutStatus(
    @JsonPropertyDescription(
            "Evaluating, Progressing, Paused, Promoted or RolledBack. The router splits traffic"
                + " only while Progressing or Paused.")
        RolloutPhase phase,
    @JsonPropertyDescription("Digest of the version serving most traffic.") String stableDigest,
    @JsonPropertyDescription("Digest of the version being rolled out.") String canaryDigest,
    @JsonPropertyDescription("Index of the current step in spec.rollout.canary.steps.")
        Integer step,
    @JsonPropertyDescription("Percent of requests the canary receives now.") Integer weight,
    @JsonPropertyDescription("Evaluation gates and analyses, with their numbers.")
        List<RolloutCheck> checks) {

  /** One gate or analysis: the candidate's number, the reference's, and the limit. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RolloutCheck(
      @JsonPropertyDescription("e.g. lossVsStable, refusalRate, errorRate.") String name,
      @JsonPropertyDescription("stable or base.") String against,
      @JsonPropertyDescription("The canary's value.") Double candidate,
      @JsonPropertyDescription("The reference's value.") Double reference,
      @JsonPropertyDescription("The value the canary had to reach.") Double limit,
      @JsonPropertyDescription("Whether the check passed.") Boolean passed) {}
}
