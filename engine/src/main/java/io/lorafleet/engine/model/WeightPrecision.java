package io.lorafleet.engine.model;

/**
 * How weights are held in memory: as stored (fp32 or bf16; fp16 is widened), all fp32, or the
 * linear layers and the embedding quantized at load to int8 blocks ({@link
 * io.lorafleet.engine.backend.Q8Blocks}, llama.cpp's Q8_0); norms stay fp32 and adapters are
 * applied in full precision.
 */
public enum WeightPrecision {
  AS_STORED,
  F32,
  INT8;

  /**
   * A {@code --precision} value: the constant's name in any case, with {@code -} for {@code _}
   * ({@code int8}, {@code as-stored}, {@code F32}).
   */
  public static WeightPrecision parse(String value) {
    String name = value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    for (WeightPrecision p : values()) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown precision '" + value + "': use f32, as-stored or int8");
  }
}
