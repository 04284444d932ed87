package io.lorafleet.bench.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ZipfSequenceTest {

  @Test
  void theSameSeedGivesTheSameSequenceAndAnotherSeedAnother() {
    assertThat(ZipfSequence.of(200, 1.0, 1000, 18)).isEqualTo(ZipfSequence.of(200, 1.0, 1000, 18));
    assertThat(ZipfSequence.of(200, 1.0, 1000, 18))
        .isNotEqualTo(ZipfSequence.of(200, 1.0, 1000, 19));
  }

  @Test
  void everyItemIsInRangeAndFrequenciesFollowOneOverRank() {
    int n = 200;
    int length = 200_000;
    int[] counts = new int[n];
    for (int k : ZipfSequence.of(n, 1.0, length, 7)) {
      assertThat(k).isBetween(0, n - 1);
      counts[k]++;
    }
    double harmonic = 0;
    for (int k = 1; k <= n; k++) {
      harmonic += 1.0 / k;
    }
    // rank 1 expects 1/H(200) = 17.0% of the draws, rank 2 half of that, rank 10 a tenth
    assertThat(counts[0] / (double) length)
        .isCloseTo(1 / harmonic, org.assertj.core.data.Offset.offset(0.005));
    assertThat(counts[0] / (double) counts[1])
        .isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.1));
    assertThat(counts[0] / (double) counts[9])
        .isCloseTo(10.0, org.assertj.core.data.Offset.offset(0.8));
    assertThat(counts[n - 1]).isPositive();
  }

  @Test
  void exponentZeroIsUniform() {
    double[] cdf = ZipfSequence.cdf(4, 0.0);
    assertThat(cdf).containsExactly(0.25, 0.5, 0.75, 1.0);
  }

  @Test
  void sampleMapsTheUnitIntervalOntoTheCdf() {
    double[] cdf = {0.5, 0.75, 1.0};
    assertThat(ZipfSequence.sample(cdf, 0.0)).isZero();
    assertThat(ZipfSequence.sample(cdf, 0.4999)).isZero();
    assertThat(ZipfSequence.sample(cdf, 0.5)).isEqualTo(1); // boundaries belong to the next item
    assertThat(ZipfSequence.sample(cdf, 0.74)).isEqualTo(1);
    assertThat(ZipfSequence.sample(cdf, 0.9999999)).isEqualTo(2);
  }

  @Test
  void badParametersAreRefusedWithTheirValue() {
    assertThatThrownBy(() -> ZipfSequence.of(0, 1.0, 10, 1)).hasMessageContaining("got 0");
    assertThatThrownBy(() -> ZipfSequence.of(10, Double.NaN, 10, 1)).hasMessageContaining("NaN");
    assertThatThrownBy(() -> ZipfSequence.of(10, -1, 10, 1)).hasMessageContaining("-1");
    assertThatThrownBy(() -> ZipfSequence.of(10, 1.0, -5, 1)).hasMessageContaining("-5");
  }
}
