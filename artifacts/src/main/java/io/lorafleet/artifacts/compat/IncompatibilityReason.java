package io.lorafleet.artifacts.compat;

/**
 * Why an adapter cannot be used with a base model. {@link #conditionReason()} is the CamelCase
 * string the operator and server put into Kubernetes conditions.
 */
public enum IncompatibilityReason {
  /** An A or B matrix does not fit the base model's linear layer. */
  SHAPE_MISMATCH("ShapeMismatch"),
  /** {@code target_modules} names (or a regex matches) nothing in the base model. */
  UNKNOWN_TARGET_MODULE("UnknownTargetModule"),
  /** A module's rank exceeds the configured maximum (server slot limit). */
  RANK_TOO_LARGE("RankTooLarge"),
  /** The tensors' rank disagrees with {@code r}/{@code rank_pattern} of the config. */
  RANK_MISMATCH("RankMismatch"),
  /** A tensor or {@code layers_to_transform} refers to a layer the base model does not have. */
  LAYER_OUT_OF_RANGE("LayerOutOfRange"),
  /** Weights are stored in a dtype we do not serve (e.g. I8). */
  UNSUPPORTED_DTYPE("UnsupportedDtype"),
  /** No LoRA tensor applies to the base model: the adapter would silently do nothing. */
  NO_TENSORS_MATCHED("NoTensorsMatched"),
  /** DoRA, modules_to_save, bias and similar features we refuse. */
  UNSUPPORTED_FEATURE("UnsupportedFeature"),
  /** A tensor that is not a LoRA weight, or one for a module the config does not target. */
  UNEXPECTED_TENSOR("UnexpectedTensor"),
  /** A module has only one of lora_A/lora_B, or the two disagree on the rank. */
  INCOMPLETE_MODULE("IncompleteModule");

  private final String conditionReason;

  IncompatibilityReason(String conditionReason) {
    this.conditionReason = conditionReason;
  }

  public String conditionReason() {
    return conditionReason;
  }
}
