package io.lorafleet.api.v1alpha1.basemodel;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which server runs in the serving pods. */
public enum ServingRuntime {
  /** Lorafleet's own multi-LoRA server image. */
  @JsonProperty("builtin")
  BUILTIN,
  /** An external engine that speaks the vLLM adapter admin API. */
  @JsonProperty("vllm")
  VLLM
}
