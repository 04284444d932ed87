package io.lorafleet.api.v1alpha1.mergepolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.lorafleet.api.v1alpha1.common.AdapterOutput;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Toleration;
import java.util.List;
import java.util.Map;

/** Which adapters to merge, how, and where the result goes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.sources.size() >= 2",
    message = "a merge needs at least two sources",
    fieldPath = ".sources")
@ValidationRule(
    value = "self.sources.all(s, self.sources.exists_one(t, t.adapter == s.adapter))",
    message = "each source adapter may appear only once",
    fieldPath = ".sources")
@ValidationRule(
    value = "!self.sources.exists(s, s.adapter == self.output.adapterName)",
    message = "the output adapter cannot also be a source: each merge would feed the next",
    fieldPath = ".output.adapterName")
@ValidationRule(
    value = MergePolicySpec.DENSITY_RULE,
    message = "density in (0, 1] is required for ties, dare-linear, dare-ties and magnitude-prune",
    fieldPath = ".density")
@ValidationRule(
    value = "self.method != 'svd' || has(self.outputRank)",
    message = "outputRank is required for method svd",
    fieldPath = ".outputRank")
@ValidationRule(
    value = "!has(self.outputRank) || (self.outputRank >= 1 && self.outputRank <= 512)",
    message = "outputRank must be between 1 and 512",
    fieldPath = ".outputRank")
public record MergePolicySpec(
    @JsonPropertyDescription("The BaseModel all sources are adapters of.") @Required
        LocalReference baseModelRef,
    @JsonPropertyDescription("Adapters to merge, with weights; at least two.")
        @Required
        @Size(max = 32)
        List<MergeSource> sources,
    @JsonPropertyDescription(
            "linear, cat, svd, ties, dare-linear, dare-ties or magnitude-prune (see"
                + " docs/merging.md).")
        @Required
        MergeMethod method,
    @JsonPropertyDescription(
            "Fraction of entries kept, in (0, 1]; required for ties, dare-linear, dare-ties and"
                + " magnitude-prune.")
        Double density,
    @JsonPropertyDescription("Sign election for ties and dare-ties: total (default) or frequency.")
        @Default("total")
        MajoritySign majoritySign,
    @JsonPropertyDescription(
            "Rank of the merged adapter (SVD truncation); required for svd. For the sparsifying"
                + " methods it defaults to the largest source rank.")
        Integer outputRank,
    @JsonPropertyDescription("Seed of the DARE random drop; the same seed gives the same result.")
        @Default("0")
        Long seed,
    @JsonPropertyDescription("The merged adapter's name, storage and placement.") @Required
        AdapterOutput output,
    @JsonPropertyDescription(
            "Merge container resources; defaults to 1 CPU and 4Gi of memory (also its limit).")
        ComputeResources resources,
    @JsonPropertyDescription("Node labels the merge pods must match.")
        Map<String, String> nodeSelector,
    @JsonPropertyDescription("Tolerations for tainted nodes.") @Size(max = 32)
        List<Toleration> tolerations) {

  /** Without pod settings: the operator's defaults. */
  public MergePolicySpec(
      LocalReference baseModelRef,
      List<MergeSource> sources,
      MergeMethod method,
      Double density,
      MajoritySign majoritySign,
      Integer outputRank,
      Long seed,
      AdapterOutput output) {
    this(
        baseModelRef,
        sources,
        method,
        density,
        majoritySign,
        outputRank,
        seed,
        output,
        null,
        null,
        null);
  }

  /** What decides the merged result: everything but where and with what its pods run. */
  public MergePolicySpec withoutPodSettings() {
    return new MergePolicySpec(
        baseModelRef, sources, method, density, majoritySign, outputRank, seed, output);
  }

  static final String DENSITY_RULE =
      "!(self.method in ['ties', 'dare-linear', 'dare-ties', 'magnitude-prune'])"
          + " || (has(self.density) && self.density > 0.0 && self.density <= 1.0)";
}
