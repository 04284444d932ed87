package io.lorafleet.trainer.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.lorafleet.api.v1alpha1.jobs.EvalVerdict;
import io.lorafleet.api.v1alpha1.jobs.EvalVerdict.Gate;
import java.util.List;

/**
 * The result of one evaluation, as written to {@code --output} (JSON) and printed as a table: what
 * was evaluated on what, each model's scores, each gate with its numbers, and the verdict. The
 * gates are the {@link EvalVerdict} contract's, which a pod writes as its termination message.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvalResult(
    String dataset,
    String datasetDigest,
    String safetyDataset,
    String safetyDatasetDigest,
    String match,
    String refusalRegex,
    List<ModelScores> models,
    List<Gate> gates,
    boolean passed) {

  /** One model's scores; {@code role}: base, stable or candidate. Rates are fractions 0..1. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ModelScores(
      String role,
      String source,
      String digest,
      int rows,
      long targetTokens,
      double meanTokenLoss,
      double exactMatch,
      double match,
      Integer safetyRows,
      Double refusalRate) {}

  public ModelScores model(String role) {
    return models.stream().filter(m -> m.role().equals(role)).findFirst().orElse(null);
  }

  /** The verdict the operator reads: the candidate's verified digest and every gate. */
  public EvalVerdict verdict() {
    ModelScores candidate = model("candidate");
    return EvalVerdict.judged(candidate == null ? null : candidate.digest(), gates);
  }

  public Gate gate(String name) {
    return gates.stream().filter(g -> g.name().equals(name)).findFirst().orElse(null);
  }
}
