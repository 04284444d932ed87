package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The linear modules of a Llama-family decoder layer, by their PEFT names. */
public enum TargetModule {
  @JsonProperty("q_proj")
  Q_PROJ,
  @JsonProperty("k_proj")
  K_PROJ,
  @JsonProperty("v_proj")
  V_PROJ,
  @JsonProperty("o_proj")
  O_PROJ,
  @JsonProperty("gate_proj")
  GATE_PROJ,
  @JsonProperty("up_proj")
  UP_PROJ,
  @JsonProperty("down_proj")
  DOWN_PROJ
}
