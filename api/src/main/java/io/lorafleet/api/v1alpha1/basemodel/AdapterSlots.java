package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** How many adapters each serving pod holds in each memory tier, and the largest rank. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.maxLoaded >= 1 && self.maxLoaded <= 4096",
    message = "maxLoaded must be between 1 and 4096",
    fieldPath = ".maxLoaded")
@ValidationRule(
    value = "self.maxCached >= self.maxLoaded",
    message = "maxCached (host-memory tier) must be at least maxLoaded (device tier)",
    fieldPath = ".maxCached")
@ValidationRule(
    value = "self.maxRank >= 1 && self.maxRank <= 512",
    message = "maxRank must be between 1 and 512",
    fieldPath = ".maxRank")
public record AdapterSlots(
    @JsonPropertyDescription("Adapters active at once in device memory per pod (vLLM --max-loras).")
        @Default("8")
        Integer maxLoaded,
    @JsonPropertyDescription(
            "Adapters kept in host memory per pod, LRU-evicted (vLLM --max-cpu-loras). At least"
                + " maxLoaded.")
        @Default("64")
        Integer maxCached,
    @JsonPropertyDescription(
            "Largest adapter rank the pods accept (vLLM --max-lora-rank); larger adapters are"
                + " refused with the reason RankTooLarge.")
        @Default("64")
        Integer maxRank) {
  /**
   * The whole object as its default, every field at its own default: a real API server checks a
   * default against the object's CEL rules without filling in nested defaults first, so a default
   * of {} fails rules that read those fields, and the CRD is refused (CrdAdmissionRealServerTest).
   */
  public static final String DEFAULT = "{\"maxLoaded\":8,\"maxCached\":64,\"maxRank\":64}";
}
