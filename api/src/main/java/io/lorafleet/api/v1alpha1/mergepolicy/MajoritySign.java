package io.lorafleet.api.v1alpha1.mergepolicy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How TIES elects the sign of each entry. */
public enum MajoritySign {
  /** Sign of the sum of the values (TIES paper). */
  @JsonProperty("total")
  TOTAL,
  /** Sign held by more sources. */
  @JsonProperty("frequency")
  FREQUENCY
}
