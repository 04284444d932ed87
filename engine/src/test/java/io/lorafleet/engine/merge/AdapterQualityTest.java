package io.lorafleet.engine.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.engine.merge.AdapterQuality.ModuleReport;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** algorithms.md B4 oracles and a report on a generated model. */
class AdapterQualityTest {
  // W0=[[3,0],[0,2],[0,0]] (3x2)
  static final double[] W0 = {3, 0, 0, 2, 0, 0};

  @Test
  void intruderOracles() {
    // dW=[[0,0],[0,0],[10,0]] -> c=[0.287348, 1.0] -> intruders [0] (eps=0.5)
    ModuleReport big = AdapterQuality.module(W0, new double[] {0, 0, 0, 0, 10, 0}, 3, 2, 10, 0.5);
    assertThat(big.maxCosines()[0]).isCloseTo(0.287348, within(1e-6));
    assertThat(big.maxCosines()[1]).isCloseTo(1.0, within(1e-12));
    assertThat(big.intruders()).isEqualTo(1);
    assertThat(big.deltaNorm()).isCloseTo(10, within(1e-12));
    assertThat(big.numericalRank()).isEqualTo(1);
    // dW=[[0,0],[0,0],[5,0]] -> c=[0.514496, 1.0] -> no intruders
    ModuleReport small = AdapterQuality.module(W0, new double[] {0, 0, 0, 0, 5, 0}, 3, 2, 10, 0.5);
    assertThat(small.maxCosines()[0]).isCloseTo(0.514496, within(1e-6));
    assertThat(small.intruders()).isZero();
    // dW = 0 -> c_j = 1 for all j -> 0 intruders
    ModuleReport none = AdapterQuality.module(W0, new double[6], 3, 2, 10, 0.5);
    assertThat(none.maxCosines()).containsExactly(new double[] {1, 1}, within(1e-12));
    assertThat(none.intruders()).isZero();
    assertThat(none.numericalRank()).isZero();
  }

  @Test
  void reportsEveryModuleOfAnAdapterAgainstTheModel(@TempDir Path tmp) throws Exception {
    Path model = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("m"));
    LoraAdapter adapter =
        TestAdapterGenerator.generate(
            TestAdapterGenerator.Spec.simple(4, 8, List.of("q_proj", "down_proj"), 5),
            io.lorafleet.artifacts.hf.ModelConfigParser.read(model.resolve("config.json")));
    Map<ModuleKey, ModuleReport> report =
        AdapterQuality.report(
            adapter, model, AdapterQuality.DEFAULT_TOP_K, AdapterQuality.DEFAULT_EPSILON);
    assertThat(report.keySet()).isEqualTo(adapter.modules().keySet());
    for (Map.Entry<ModuleKey, ModuleReport> e : report.entrySet()) {
      double[] d = AdapterMerger.delta(adapter.modules().get(e.getKey()));
      assertThat(e.getValue().deltaNorm())
          .isCloseTo(MergeTestSupport.frobenius(d, new double[d.length]), within(1e-9));
      assertThat(e.getValue().numericalRank()).isEqualTo(4);
      assertThat(e.getValue().maxCosines()).hasSize(10);
      assertThat(e.getValue().intruders()).isBetween(0, 10);
    }
  }
}
