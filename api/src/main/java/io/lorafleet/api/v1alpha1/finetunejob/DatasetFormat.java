package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The JSONL record shapes the trainer reads. */
public enum DatasetFormat {
  /** {"prompt": "...", "completion": "..."}; loss on the completion only. */
  @JsonProperty("prompt-completion")
  PROMPT_COMPLETION,
  /** {"messages": [{"role", "content"}...]}, rendered with the model's chat template. */
  @JsonProperty("chat")
  CHAT
}
