package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Where a canary rollout stands, written by the operator and read by the pool's routers. */
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
        List<RolloutCheck> checks,
    @JsonPropertyDescription(
            "When the current step began receiving its weight (RFC 3339); a pause counts from"
                + " here, so it survives operator restarts.")
        String stepStartedAt,
    @JsonPropertyDescription("Where the stable version is (its s3:// version directory).")
        String stableVersion,
    @JsonPropertyDescription("Where the canary version is (its s3:// version directory).")
        String canaryVersion,
    @JsonPropertyDescription("Why the rollout stands where it is, with the numbers.")
        String message) {

  /** The fields the router reads. */
  public RolloutStatus(
      RolloutPhase phase,
      String stableDigest,
      String canaryDigest,
      Integer step,
      Integer weight,
      List<RolloutCheck> checks) {
    this(phase, stableDigest, canaryDigest, step, weight, checks, null, null, null, null);
  }

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
