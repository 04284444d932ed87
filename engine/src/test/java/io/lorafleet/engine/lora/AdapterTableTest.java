package io.lorafleet.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.hf.ModelConfigParser;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading and unloading adapters keeps slot numbers stable for batches already built. */
class AdapterTableTest {
  @TempDir Path tmp;

  private LoadedAdapter adapter(ModelConfig c, String name, int rank, List<String> targets) {
    return LoadedAdapter.of(
        name,
        TestAdapterGenerator.generate(TestAdapterGenerator.Spec.simple(rank, 8, targets, rank), c),
        c);
  }

  @Test
  void slotsAreStableAcrossUnloadAndFreeSlotsAreReused() throws Exception {
    ModelConfig c =
        ModelConfigParser.read(
            TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp).resolve("config.json"));
    AdapterTable t =
        AdapterTable.empty(c.numHiddenLayers())
            .with(adapter(c, "a", 4, List.of("q_proj")))
            .with(adapter(c, "b", 8, List.of("v_proj")))
            .with(adapter(c, "c", 2, List.of("q_proj", "down_proj")));
    assertThat(t.maxRank()).isEqualTo(8);
    assertThat(t.pairs(1, LinearModule.Q_PROJ))
        .extracting(p -> p == null ? 0 : p.rank())
        .containsExactly(4, 0, 2);

    AdapterTable without = t.without("b");
    assertThat(without.slotOf("c")).isEqualTo(2);
    assertThat(without.adapter(1)).isNull();
    assertThat(without.maxRank()).isEqualTo(4);
    assertThat(without.pairs(0, LinearModule.V_PROJ)).containsOnlyNulls();
    assertThat(t.slotOf("b")).as("the old table is unchanged").isEqualTo(1);

    AdapterTable reused = without.with(adapter(c, "d", 16, List.of("up_proj")));
    assertThat(reused.slotOf("d")).isEqualTo(1);
    assertThat(reused.size()).isEqualTo(3);
    assertThatThrownBy(() -> reused.with(adapter(c, "d", 2, List.of("q_proj"))))
        .hasMessageContaining("already loaded");
  }
}
