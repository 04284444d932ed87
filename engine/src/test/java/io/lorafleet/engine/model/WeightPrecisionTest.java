package io.lorafleet.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code serve --precision int8} (and the operator's INT8) name the same precision. */
class WeightPrecisionTest {
  @Test
  void flagValuesParseInAnyCase() {
    assertThat(WeightPrecision.parse("int8")).isEqualTo(WeightPrecision.INT8);
    assertThat(WeightPrecision.parse("INT8")).isEqualTo(WeightPrecision.INT8);
    assertThat(WeightPrecision.parse("as-stored")).isEqualTo(WeightPrecision.AS_STORED);
    assertThat(WeightPrecision.parse("F32")).isEqualTo(WeightPrecision.F32);
    assertThatThrownBy(() -> WeightPrecision.parse("int4"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown precision 'int4': use f32, as-stored or int8");
  }
}
