package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The adapter's shape and initialisation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.rank >= 1 && self.rank <= 512",
    message = "rank must be between 1 and 512",
    fieldPath = ".rank")
@ValidationRule(
    value = "self.alpha > 0.0",
    message = "alpha must be greater than 0",
    fieldPath = ".alpha")
@ValidationRule(
    value = "self.dropout >= 0.0 && self.dropout < 1.0",
    message = "dropout must be in [0, 1)",
    fieldPath = ".dropout")
@ValidationRule(
    value = "self.targetModules.all(m, self.targetModules.exists_one(n, n == m))",
    message = "targetModules must not repeat a module",
    fieldPath = ".targetModules")
public record LoraSpec(
    @JsonPropertyDescription("Rank r of the update B*A, 1 to 512.") @Default("16") Integer rank,
    @JsonPropertyDescription(
            "Scaling numerator: the update is scaled by alpha/r (alpha/sqrt(r) with useRslora).")
        @Default("32.0")
        Double alpha,
    @JsonPropertyDescription("Dropout on the adapter's input during training, in [0, 1).")
        @Default("0.05")
        Double dropout,
    @JsonPropertyDescription(
            "Linear modules to adapt, in every layer: q_proj, k_proj, v_proj, o_proj, gate_proj,"
                + " up_proj, down_proj.")
        @Default("[\"q_proj\",\"k_proj\",\"v_proj\",\"o_proj\"]")
        @Size(min = 1, max = 7)
        List<TargetModule> targetModules,
    @JsonPropertyDescription("Initialisation: standard (B = 0) or pissa.") @Default("standard")
        LoraInit init,
    @JsonPropertyDescription("Rank-stabilised scaling alpha/sqrt(r) instead of alpha/r.")
        @Default("false")
        Boolean useRslora) {
  /**
   * The whole object as its default, every field at its own default: a real API server checks a
   * default against the object's CEL rules without filling in nested defaults first, so a default
   * of {} fails rules that read those fields, and the CRD is refused (CrdAdmissionRealServerTest).
   */
  public static final String DEFAULT =
      "{\"rank\":16,\"alpha\":32.0,\"dropout\":0.05,"
          + "\"targetModules\":[\"q_proj\",\"k_proj\",\"v_proj\",\"o_proj\"],"
          + "\"init\":\"standard\",\"useRslora\":false}";
}
