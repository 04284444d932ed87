package io.lorafleet.api.v1alpha1.mergepolicy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The merge methods; exact definitions are in docs/merging.md. */
public enum MergeMethod {
  /** Weighted sum of the full deltas, stored exactly by concatenation. */
  @JsonProperty("linear")
  LINEAR,
  /** Concatenate the factors (rank = sum of ranks); equals linear exactly. */
  @JsonProperty("cat")
  CAT,
  /** Weighted sum of deltas truncated by SVD to outputRank. */
  @JsonProperty("svd")
  SVD,
  /** Trim to density, elect signs, disjoint mean. */
  @JsonProperty("ties")
  TIES,
  /** Random drop with rescale, then weighted sum. */
  @JsonProperty("dare-linear")
  DARE_LINEAR,
  /** Random drop with rescale, then TIES sign election. */
  @JsonProperty("dare-ties")
  DARE_TIES,
  /** Keep the largest-magnitude entries, then weighted sum. */
  @JsonProperty("magnitude-prune")
  MAGNITUDE_PRUNE
}
