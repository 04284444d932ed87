package io.lorafleet.engine.merge;

/** The merge methods, with the names of the merge.json / MergePolicy contract. */
public enum MergeMethod {
  /** {@code Σ w_i s_i B_i A_i}, stored exactly by concatenating factors (same result as CAT). */
  LINEAR("linear", false),
  /** Concatenated factors, rank = Σ r_i; equals the weighted sum of deltas exactly. */
  CAT("cat", false),
  /** The weighted sum of deltas truncated by SVD to the output rank. */
  SVD("svd", false),
  /** Trim to density, elect sign, disjoint mean; then SVD to the output rank. */
  TIES("ties", true),
  /** DARE drop and rescale, weighted sum; then SVD to the output rank. */
  DARE_LINEAR("dare-linear", true),
  /** DARE drop and rescale, TIES election and disjoint mean; then SVD to the output rank. */
  DARE_TIES("dare-ties", true),
  /** Trim to density, weighted sum; then SVD to the output rank. */
  MAGNITUDE_PRUNE("magnitude-prune", true);

  private final String wireName;
  private final boolean needsDensity;

  MergeMethod(String wireName, boolean needsDensity) {
    this.wireName = wireName;
    this.needsDensity = needsDensity;
  }

  /** The name used in merge.json and the MergePolicy spec. */
  public String wireName() {
    return wireName;
  }

  public boolean needsDensity() {
    return needsDensity;
  }

  /** Whether the result is stored exactly by concatenated factors (no SVD). */
  public boolean exact() {
    return this == LINEAR || this == CAT;
  }

  public static MergeMethod fromWireName(String name) {
    for (MergeMethod m : values()) {
      if (m.wireName.equals(name)) {
        return m;
      }
    }
    throw new InvalidMergeSpecException("unknown merge method: " + name);
  }
}
