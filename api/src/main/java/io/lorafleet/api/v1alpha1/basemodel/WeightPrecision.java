package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the builtin server holds the base model's weights (its {@code --precision}). */
public enum WeightPrecision {
  /** Every weight widened to fp32 (the server's default). */
  @JsonProperty("f32")
  F32("F32"),
  /** bf16 weights kept as bf16 (half the memory and bytes per token), others fp32. */
  @JsonProperty("as-stored")
  AS_STORED("AS_STORED"),
  /**
   * Linear layers and the embedding quantized at load to int8 blocks of 32 with one scale each
   * (llama.cpp's Q8_0); adapters are applied in full precision. CPU backend only.
   */
  @JsonProperty("int8")
  INT8("INT8");

  private final String serverValue;

  WeightPrecision(String serverValue) {
    this.serverValue = serverValue;
  }

  /** The value of the builtin server's {@code --precision} flag. */
  public String serverValue() {
    return serverValue;
  }
}
