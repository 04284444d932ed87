package io.lorafleet.api.v1alpha1.loraadapter;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Online analysis: the new version's error rate and TTFT p95 against stable's. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OnlineAnalysisSpec(
    @JsonPropertyDescription("Requests the new version must have served before it is judged.")
        @Default("100")
        Integer minRequests,
    @JsonPropertyDescription("Error rate may exceed stable's by this much (0.01 = 1 point).")
        @Default("0.01")
        Double maxErrorRateIncrease,
    @JsonPropertyDescription("TTFT p95 may exceed stable's by this fraction (0.2 = 20 %).")
        @Default("0.2")
        Double maxTtftP95Increase) {}
