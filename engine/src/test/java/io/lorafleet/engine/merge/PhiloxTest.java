package io.lorafleet.engine.merge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PhiloxTest {
  // Random123 tests/kat_vectors, "philox4x32 10": counter[4], key[2] -> result[4].
  static final int[][] KAT = {
    {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {-1, -1, -1, -1, -1, -1, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {
      0x243f6a88,
      0x85a308d3,
      0x13198a2e,
      0x03707344,
      0xa4093822,
      0x299f31d0,
      0xd16cfe09,
      0x94fdcceb,
      0x5001e420,
      0x24126ea1
    },
  };

  @Test
  void matchesRandom123KnownAnswerVectors() {
    for (int[] kat : KAT) {
      int[] ctr = {kat[0], kat[1], kat[2], kat[3]};
      Philox.philox4x32x10(ctr, kat[4], kat[5]);
      assertThat(ctr).containsExactly(kat[6], kat[7], kat[8], kat[9]);
    }
  }

  @Test
  void uniformIsTheTop24BitsOfTheFirstWordOfTheCounterBlock() {
    long seed = 0x0123_4567_89ab_cdefL;
    int[] ctr = {5, 0, 7, 3};
    Philox.philox4x32x10(ctr, (int) seed, (int) (seed >>> 32));
    assertThat(Philox.uniform(seed, 7, 3, 5)).isEqualTo((ctr[0] >>> 8) / 16777216f);
    assertThat(Philox.uniform(seed, 7, 3, 5)).isNotEqualTo(Philox.uniform(seed, 7, 2, 5));
  }
}
