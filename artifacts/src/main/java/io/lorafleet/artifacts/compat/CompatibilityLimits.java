package io.lorafleet.artifacts.compat;

import io.lorafleet.artifacts.safetensors.DType;
import java.util.EnumSet;
import java.util.Set;

/** What the serving side accepts: maximum rank (slot size) and storage dtypes. */
public record CompatibilityLimits(int maxRank, Set<DType> dtypes) {
  public CompatibilityLimits {
    if (maxRank < 1) {
      throw new IllegalArgumentException("maxRank must be >= 1, got " + maxRank);
    }
    dtypes = Set.copyOf(dtypes);
  }

  /** Floating-point weights up to {@code maxRank}. */
  public static CompatibilityLimits maxRank(int maxRank) {
    return new CompatibilityLimits(maxRank, EnumSet.of(DType.F32, DType.BF16, DType.F16));
  }
}
