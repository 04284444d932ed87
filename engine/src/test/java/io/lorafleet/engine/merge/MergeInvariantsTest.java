package io.lorafleet.engine.merge;

import static io.lorafleet.engine.merge.MergeTestSupport.delta;
import static io.lorafleet.engine.merge.MergeTestSupport.frobenius;
import static io.lorafleet.engine.merge.MergeTestSupport.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invariants of issue 7 on random adapters with different ranks, scales and module sets. */
class MergeInvariantsTest {
  static final ModuleKey Q0 = new ModuleKey(0, LinearModule.Q_PROJ);
  static final ModuleKey V0 = new ModuleKey(0, LinearModule.V_PROJ);
  static final ModuleKey Q1 = new ModuleKey(1, LinearModule.Q_PROJ);
  static final List<MergeMethod> SPARSIFYING =
      List.of(
          MergeMethod.TIES,
          MergeMethod.DARE_LINEAR,
          MergeMethod.DARE_TIES,
          MergeMethod.MAGNITUDE_PRUNE);
  static final int OUT = 24;
  static final int IN = 16;

  // ranks 4, 8 and 2; one rsLoRA source; the third source lacks V0 and Q1.
  static final List<Source> SOURCES =
      List.of(
          new Source(MergeTestSupport.random(1, 4, 8, false, OUT, IN, List.of(Q0, V0, Q1)), 0.7),
          new Source(MergeTestSupport.random(2, 8, 16, true, OUT, IN, List.of(Q0, V0, Q1)), 0.5),
          new Source(MergeTestSupport.random(3, 2, 4, false, OUT, IN, List.of(Q0)), -0.3));

  static double[] weightedSum(List<Source> sources, ModuleKey key) {
    double[] sum = new double[OUT * IN];
    for (Source s : sources) {
      LoraWeights w = s.adapter().modules().get(key);
      if (w != null) {
        double[] d = delta(w);
        for (int i = 0; i < sum.length; i++) {
          sum[i] += s.weight() * d[i];
        }
      }
    }
    return sum;
  }

  static MergeSpec spec(MergeMethod m, double density, Integer rank, long seed) {
    return new MergeSpec(
        m,
        density,
        MajoritySign.TOTAL,
        rank == null ? OptionalInt.empty() : OptionalInt.of(rank),
        seed);
  }

  @Test
  void catEqualsTheWeightedSumOfDeltas() {
    AdapterMerger.Result r = AdapterMerger.merge(SOURCES, MergeSpec.of(MergeMethod.CAT));
    LoraAdapter out = r.adapter();
    assertThat(out.config().r()).isEqualTo(14); // 4 + 8 + 2, modules with fewer zero-padded
    assertThat(out.config().useRslora()).isFalse();
    for (ModuleKey key : List.of(Q0, V0, Q1)) {
      LoraWeights w = out.modules().get(key);
      assertThat(w.rank()).isEqualTo(14);
      double[] expected = weightedSum(SOURCES, key);
      double scale = java.util.Arrays.stream(expected).map(Math::abs).max().orElseThrow();
      assertThat(maxAbsDiff(delta(w), expected) / scale).isLessThan(1e-6);
      assertThat(r.truncationError().get(key)).isZero();
    }
  }

  @Test
  void svdErrorEqualsTheTailSingularValues() {
    for (int rank : new int[] {1, 3, 8, 14}) {
      AdapterMerger.Result r = AdapterMerger.merge(SOURCES, spec(MergeMethod.SVD, 1, rank, 0));
      for (ModuleKey key : List.of(Q0, V0, Q1)) {
        double[] d = weightedSum(SOURCES, key);
        Svd full = Svd.of(d, OUT, IN);
        double tail = full.tailNorm(rank);
        double measured = frobenius(d, delta(r.adapter().modules().get(key)));
        double norm = full.tailNorm(0);
        assertThat(r.truncationError().get(key)).isCloseTo(tail, within(1e-9 * norm));
        assertThat(measured).isCloseTo(tail, within(1e-6 * norm));
      }
    }
  }

  @Test
  void sparsifyingMethodsWithDensityOneAndOneSourceEqualTheSource() {
    Source one = new Source(SOURCES.get(1).adapter(), 1);
    for (MergeMethod m : SPARSIFYING) {
      AdapterMerger.Result r = AdapterMerger.merge(List.of(one), spec(m, 1, null, 5));
      assertThat(r.adapter().config().r()).isEqualTo(8); // default: the largest source rank
      for (ModuleKey key : List.of(Q0, V0, Q1)) {
        double[] source = delta(one.adapter().modules().get(key));
        double scale = java.util.Arrays.stream(source).map(Math::abs).max().orElseThrow();
        assertThat(maxAbsDiff(delta(r.adapter().modules().get(key)), source) / scale)
            .as("%s %s", m, key)
            .isLessThan(1e-6);
      }
    }
  }

  @Test
  void sparsifyingMethodsComputeTheirCombinerThenTruncate() {
    for (MergeMethod m : SPARSIFYING) {
      AdapterMerger.Result r = AdapterMerger.merge(SOURCES, spec(m, 0.3, 16, 9));
      for (ModuleKey key : List.of(Q0, V0, Q1)) {
        List<double[]> deltas = new ArrayList<>();
        List<Double> ws = new ArrayList<>();
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < SOURCES.size(); i++) {
          LoraWeights w = SOURCES.get(i).adapter().modules().get(key);
          if (w != null) {
            deltas.add(delta(w));
            ws.add(SOURCES.get(i).weight());
            idx.add(i);
          }
        }
        double[] w = ws.stream().mapToDouble(Double::doubleValue).toArray();
        int tid = AdapterMerger.tensorId(key);
        List<double[]> dropped = new ArrayList<>();
        for (int j = 0; j < deltas.size(); j++) {
          dropped.add(Combiners.dare(deltas.get(j), 0.3, 9, tid, idx.get(j)));
        }
        double[] expected =
            switch (m) {
              case TIES -> Combiners.ties(deltas, w, 0.3, MajoritySign.TOTAL);
              case MAGNITUDE_PRUNE -> Combiners.magnitudePrune(deltas, w, 0.3);
              case DARE_LINEAR -> Combiners.linear(dropped, w);
              default -> Combiners.electAndMean(dropped, w, MajoritySign.TOTAL);
            };
        // rank 16 = min(out, in): the truncation is exact
        double scale = java.util.Arrays.stream(expected).map(Math::abs).max().orElseThrow();
        assertThat(maxAbsDiff(delta(r.adapter().modules().get(key)), expected) / scale)
            .as("%s %s", m, key)
            .isLessThan(1e-6);
        // sparsified: about 30% of the entries of each source survive
        long nonZero = java.util.Arrays.stream(dropped.getFirst()).filter(x -> x != 0).count();
        assertThat(nonZero / (double) (OUT * IN)).isCloseTo(0.3, within(0.08));
      }
    }
  }

  @Test
  void dareIsIdenticalOnOneAndTwoThreadsAndDependsOnTheSeed() {
    for (MergeMethod m : List.of(MergeMethod.DARE_LINEAR, MergeMethod.DARE_TIES)) {
      LoraAdapter one = AdapterMerger.merge(SOURCES, spec(m, 0.2, 4, 1234), 1).adapter();
      LoraAdapter two = AdapterMerger.merge(SOURCES, spec(m, 0.2, 4, 1234), 2).adapter();
      LoraAdapter other = AdapterMerger.merge(SOURCES, spec(m, 0.2, 4, 1235), 2).adapter();
      for (Map.Entry<ModuleKey, LoraWeights> e : one.modules().entrySet()) {
        LoraWeights t = two.modules().get(e.getKey());
        assertThat(t.a()).containsExactly(e.getValue().a());
        assertThat(t.b()).containsExactly(e.getValue().b());
        assertThat(other.modules().get(e.getKey()).a()).isNotEqualTo(e.getValue().a());
      }
    }
  }

  @Test
  void mergedAdapterRoundTripsThroughPeftFilesWithScaleOne(@TempDir Path dir) throws Exception {
    LoraAdapter merged = AdapterMerger.merge(SOURCES, spec(MergeMethod.TIES, 0.5, 6, 0)).adapter();
    PeftAdapterWriter.write(merged, dir);
    LoraAdapter back = PeftAdapterReader.read(dir);
    assertThat(back.config().r()).isEqualTo(6);
    assertThat(back.config().loraAlpha()).isEqualTo(6);
    assertThat(back.config().useRslora()).isFalse();
    for (ModuleKey key : List.of(Q0, V0, Q1)) {
      LoraWeights w = back.modules().get(key);
      assertThat(w.scale()).isEqualTo(1.0);
      assertThat(delta(w)).containsExactly(delta(merged.modules().get(key)));
    }
  }
}
