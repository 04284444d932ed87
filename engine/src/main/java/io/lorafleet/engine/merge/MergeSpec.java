package io.lorafleet.engine.merge;

import io.lorafleet.engine.merge.Combiners.MajoritySign;
import java.util.OptionalInt;

/**
 * What to merge and how: the method, the density (required for the sparsifying methods, in (0, 1]),
 * the TIES sign election, the output rank (required for SVD; for the sparsifying methods it
 * defaults to the largest source rank; ignored by the exact methods) and the DARE seed.
 */
public record MergeSpec(
    MergeMethod method,
    double density,
    MajoritySign majoritySign,
    OptionalInt outputRank,
    long seed) {
  public MergeSpec {
    if (method.needsDensity() && !(density > 0 && density <= 1)) {
      throw new InvalidMergeSpecException(
          "density in (0, 1] is required for " + method.wireName() + ", got " + density);
    }
    if (method == MergeMethod.SVD && outputRank.isEmpty()) {
      throw new InvalidMergeSpecException("outputRank is required for method svd");
    }
    if (outputRank.isPresent() && outputRank.getAsInt() < 1) {
      throw new InvalidMergeSpecException("outputRank must be >= 1, not " + outputRank.getAsInt());
    }
  }

  public static MergeSpec of(MergeMethod method) {
    return new MergeSpec(method, 1, MajoritySign.TOTAL, OptionalInt.empty(), 0);
  }
}
