package io.lorafleet.engine.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.lorafleet.engine.merge.Combiners.MajoritySign;
import java.util.List;
import org.junit.jupiter.api.Test;

/** algorithms.md A2 and A3 oracles, quoted in the assertions. */
class CombinersOracleTest {
  static final double[] T1 = {1, -2, 3, 0.5};
  static final double[] T2 = {-1, -1, 2, -4};
  static final double[] T3 = {2, 1.5, -1, 0.2};
  static final List<double[]> TASKS = List.of(T1, T2, T3);

  @Test
  void pruneKeepsTheKLargestMagnitudes() {
    // prune([[0.5,-2],[1,-0.1]], 0.5) = [[0,-2],[1,0]] (k=2)
    assertThat(Combiners.prune(new double[] {0.5, -2, 1, -0.1}, 0.5)).containsExactly(0, -2, 1, 0);
    // pruned P1=[0,-2,3,0], P2=[0,0,2,-4], P3=[2,1.5,0,0]
    assertThat(Combiners.prune(T1, 0.5)).containsExactly(0, -2, 3, 0);
    assertThat(Combiners.prune(T2, 0.5)).containsExactly(0, 0, 2, -4);
    assertThat(Combiners.prune(T3, 0.5)).containsExactly(2, 1.5, 0, 0);
  }

  @Test
  void pruneBreaksTiesByAscendingIndexAndHandlesTinyK() {
    assertThat(Combiners.prune(new double[] {1, -1, 1, 2}, 0.5)).containsExactly(1, 0, 0, 2);
    assertThat(Combiners.prune(new double[] {1, 2, 3}, 0.2)).containsExactly(0, 0, 0);
    assertThatThrownBy(() -> Combiners.prune(new double[] {Double.NaN}, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tiesOracles() {
    // w=[1,1,1], total -> [2, -2, 2.5, -4]
    assertThat(Combiners.ties(TASKS, new double[] {1, 1, 1}, 0.5, MajoritySign.TOTAL))
        .containsExactly(2, -2, 2.5, -4);
    // w=[1,0.5,2], total -> [4, -2, 2, -2] (mask from unweighted tensors)
    assertThat(Combiners.ties(TASKS, new double[] {1, 0.5, 2}, 0.5, MajoritySign.TOTAL))
        .containsExactly(4, -2, 2, -2);
    // w=[1,1,1], frequency -> [2, 1.5, 2.5, -4]
    assertThat(Combiners.ties(TASKS, new double[] {1, 1, 1}, 0.5, MajoritySign.FREQUENCY))
        .containsExactly(2, 1.5, 2.5, -4);
    // density 1.0, w=[1,1,1] -> [1.5, -1.5, 2.5, -4]
    assertThat(Combiners.ties(TASKS, new double[] {1, 1, 1}, 1.0, MajoritySign.TOTAL))
        .containsExactly(1.5, -1.5, 2.5, -4);
  }

  @Test
  void magnitudePruneIsTheWeightedSumOfPrunedTasks() {
    // P1+P2+P3 = [2, -0.5, 5, -4] (the A2 oracle's M)
    assertThat(Combiners.magnitudePrune(TASKS, new double[] {1, 1, 1}, 0.5))
        .containsExactly(2, -0.5, 5, -4);
  }

  @Test
  void dareWithAFixedMaskRescalesByOneOverDensity() {
    // m=[1,0,1,0], tau=[1,2,3,4], d=0.5 -> DARE [2,0,6,0]
    assertThat(
            Combiners.dareWithMask(
                new double[] {1, 2, 3, 4}, new boolean[] {true, false, true, false}, 0.5))
        .containsExactly(2, 0, 6, 0);
  }

  @Test
  void dareKeepsTheExpectation() {
    // mean over 200 000 seeded draws of DARE(tau=[1,2,3,4], d=0.1) ~ tau; tolerance 4 sigma/sqrt(N)
    double[] tau = {1, 2, 3, 4};
    double d = 0.1;
    int n = 200_000;
    double[] sum = new double[4];
    int kept = 0;
    for (int s = 0; s < n; s++) {
      double[] x = Combiners.dare(tau, d, 0xDA7EL + s, 3, 0);
      for (int j = 0; j < 4; j++) {
        sum[j] += x[j];
        kept += x[j] != 0 ? 1 : 0;
      }
    }
    for (int j = 0; j < 4; j++) {
      double sigma = tau[j] * Math.sqrt((1 - d) / d);
      assertThat(sum[j] / n).isCloseTo(tau[j], within(4 * sigma / Math.sqrt(n)));
    }
    // and the drop is real: about 10% kept
    assertThat(kept / (4.0 * n)).isCloseTo(0.1, within(0.003));
  }

  @Test
  void dareIsAPureFunctionOfSeedTensorAndStream() {
    double[] tau = new double[1000];
    java.util.Arrays.fill(tau, 1);
    double[] a = Combiners.dare(tau, 0.5, 42, 1, 0);
    assertThat(Combiners.dare(tau, 0.5, 42, 1, 0)).containsExactly(a);
    assertThat(Combiners.dare(tau, 0.5, 43, 1, 0)).isNotEqualTo(a);
    assertThat(Combiners.dare(tau, 0.5, 42, 2, 0)).isNotEqualTo(a);
    assertThat(Combiners.dare(tau, 0.5, 42, 1, 1)).isNotEqualTo(a);
    assertThatThrownBy(() -> Combiners.dare(tau, 0, 42, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Combiners.dare(tau, 1, 42, 1, 0)).containsExactly(tau);
  }

  @Test
  void dareTiesWithDensityOneEqualsTiesWithDensityOne() {
    // dare_ties with d=1 must equal TIES with d=1 (A2 oracle [1.5,-1.5,2.5,-4])
    List<double[]> dropped =
        List.of(
            Combiners.dare(T1, 1, 7, 0, 0),
            Combiners.dare(T2, 1, 7, 0, 1),
            Combiners.dare(T3, 1, 7, 0, 2));
    assertThat(Combiners.electAndMean(dropped, new double[] {1, 1, 1}, MajoritySign.TOTAL))
        .containsExactly(1.5, -1.5, 2.5, -4);
  }
}
