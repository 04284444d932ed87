package io.lorafleet.api.v1alpha1.finetunejob;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the adapter's A and B matrices start. */
public enum LoraInit {
  /** A Kaiming-uniform, B zero: the adapter starts as a no-op. */
  @JsonProperty("standard")
  STANDARD,
  /** PiSSA: A and B from the principal singular vectors of the base weight. */
  @JsonProperty("pissa")
  PISSA
}
