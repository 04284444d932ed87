package io.lorafleet.engine.merge;

import static io.lorafleet.engine.merge.MergeTestSupport.Q0;
import static io.lorafleet.engine.merge.MergeTestSupport.adapter;
import static io.lorafleet.engine.merge.MergeTestSupport.delta;
import static io.lorafleet.engine.merge.MergeTestSupport.frobenius;
import static io.lorafleet.engine.merge.MergeTestSupport.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** algorithms.md A1 oracles (out = in = 2), quoted in the assertions. */
class LinearMergeOracleTest {
  // B1=[[1],[2]], A1=[[3,4]], s1=2 (r=1, alpha=2); B2=[[0],[1]], A2=[[1,-1]], s2=0.5; w=[1,-2].
  static final LoraAdapter AD1 =
      adapter(Q0, 1, 2, false, 2, 2, new float[] {3, 4}, new float[] {1, 2});
  static final LoraAdapter AD2 =
      adapter(Q0, 1, 0.5, false, 2, 2, new float[] {1, -1}, new float[] {0, 1});
  static final List<Source> SOURCES = List.of(new Source(AD1, 1), new Source(AD2, -2));
  static final double[] MERGED = {6, 8, 11, 17};

  static MergeSpec svd(int rank) {
    return new MergeSpec(MergeMethod.SVD, 1, MajoritySign.TOTAL, OptionalInt.of(rank), 0);
  }

  @Test
  void deltasAreScaleTimesBTimesA() {
    assertThat(delta(AD1.modules().get(Q0))).containsExactly(6, 8, 12, 16);
    assertThat(delta(AD2.modules().get(Q0))).containsExactly(0, 0, 0.5, -0.5);
  }

  @Test
  void catFoldsWeightAndScaleIntoAAndReproducesTheSumExactly() {
    for (MergeMethod m : List.of(MergeMethod.CAT, MergeMethod.LINEAR)) {
      LoraAdapter out = AdapterMerger.merge(SOURCES, MergeSpec.of(m)).adapter();
      LoraWeights w = out.modules().get(Q0);
      // A'=[[6,8],[-1,1]], B'=[[1,0],[2,1]], B'A' = [[6,8],[11,17]] exactly.
      assertThat(w.a()).containsExactly(6, 8, -1, 1);
      assertThat(w.b()).containsExactly(1, 0, 2, 1);
      assertThat(delta(w)).containsExactly(MERGED);
      assertThat(out.config().r()).isEqualTo(2);
      assertThat(out.config().loraAlpha()).isEqualTo(2);
      assertThat(out.config().useRslora()).isFalse();
      assertThat(out.config().scaleFor(Q0.path(), 2)).isEqualTo(1.0);
      assertThat(w.scale()).isEqualTo(1.0);
    }
  }

  @Test
  void svdRankOneKeepsTheLargestSingularValueAndReportsTheTail() {
    Svd full = Svd.of(MERGED, 2, 2);
    // singular values [22.574663, 0.620164]
    assertThat(full.s()[0]).isCloseTo(22.574663, within(1e-6));
    assertThat(full.s()[1]).isCloseTo(0.620164, within(1e-6));

    AdapterMerger.Result r = AdapterMerger.merge(SOURCES, svd(1));
    LoraWeights w = r.adapter().modules().get(Q0);
    double[] d = delta(w);
    // B'A' = [[5.537160, 8.308459],[11.228247, 16.847885]]
    double[] oracle = {5.537160, 8.308459, 11.228247, 16.847885};
    assertThat(maxAbsDiff(d, oracle)).isLessThan(5e-6);
    // ‖ΔW_mrg − B'A'‖_F = 0.620164 = S_2
    assertThat(frobenius(MERGED, d)).isCloseTo(0.620164, within(2e-6));
    assertThat(r.truncationError().get(Q0)).isCloseTo(0.620164, within(1e-6));
    assertThat(r.adapter().config().r()).isEqualTo(1);
    assertThat(r.adapter().config().loraAlpha()).isEqualTo(1);

    AdapterMerger.Result exact = AdapterMerger.merge(SOURCES, svd(2));
    assertThat(maxAbsDiff(delta(exact.adapter().modules().get(Q0)), MERGED)).isLessThan(1e-5);
    assertThat(exact.truncationError().get(Q0)).isLessThan(1e-9);
  }

  @Test
  void linearIsNotPeftFactorWise() {
    // PEFT's factor-wise "linear" gives [[4.585786, 9.414214],[12.414214, 25.485281]].
    double[] factorWise = {4.585786, 9.414214, 12.414214, 25.485281};
    double[] ours =
        delta(
            AdapterMerger.merge(SOURCES, MergeSpec.of(MergeMethod.LINEAR))
                .adapter()
                .modules()
                .get(Q0));
    assertThat(maxAbsDiff(ours, factorWise)).isGreaterThan(1);
  }

  @Test
  void singleRsloraSourceIsReproducedAndTheOutputScaleIsOne() {
    LoraAdapter rs = MergeTestSupport.random(11, 4, 8, true, 6, 5, List.of(Q0));
    assertThat(rs.modules().get(Q0).scale()).isEqualTo(4.0); // 8 / sqrt(4)
    double[] source = delta(rs.modules().get(Q0));
    for (MergeSpec spec :
        List.of(MergeSpec.of(MergeMethod.CAT), MergeSpec.of(MergeMethod.LINEAR), svd(4))) {
      LoraAdapter out = AdapterMerger.merge(List.of(new Source(rs, 1)), spec).adapter();
      assertThat(out.config().useRslora()).isFalse();
      assertThat(out.config().scaleFor(Q0.path(), out.config().r())).isEqualTo(1.0);
      // max abs diff < 1e-6 relative to the delta's magnitude (fp32 storage)
      double scale = java.util.Arrays.stream(source).map(Math::abs).max().orElseThrow();
      assertThat(maxAbsDiff(delta(out.modules().get(Q0)), source) / scale).isLessThan(1e-6);
    }
  }

  @Test
  void svdRejectsARankAboveMinOutIn() {
    assertThatThrownBy(() -> AdapterMerger.merge(SOURCES, svd(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds min(out, in)");
  }
}
