package io.lorafleet.trainer.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The result of one evaluation, as written to {@code --output} (JSON) and printed as a table: what
 * was evaluated on what, each model's scores, each gate with its numbers, and the verdict.
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

  /**
   * One threshold: {@code candidate} compared with {@code reference} (stable's or the base model's
   * value) under {@code rule}; {@code limit} is the value the candidate had to reach.
   */
  public record Gate(
      String name,
      String against,
      double candidate,
      double reference,
      double limit,
      String rule,
      boolean passed) {}

  public ModelScores model(String role) {
    return models.stream().filter(m -> m.role().equals(role)).findFirst().orElse(null);
  }

  public Gate gate(String name) {
    return gates.stream().filter(g -> g.name().equals(name)).findFirst().orElse(null);
  }
}
