package io.lorafleet.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.support.EngineRun;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch mixing several adapters (different ranks and targets) and the base model gives each
 * sequence what it gives alone; merging an adapter into a copy gives what the unmerged adapter
 * gives.
 */
class MultiLoraBatchTest {
  private static final double MIXED_BOUND = 1e-5;

  @TempDir static Path tmp;
  private static CpuBackend backend;
  private static LlamaModel model;
  private static AdapterTable table;

  @BeforeAll
  static void load() throws Exception {
    backend = new CpuBackend();
    model =
        LlamaModel.load(
            TestModelGenerator.write(TestModelSpec.qwen2TiedBias(), tmp.resolve("m")),
            WeightPrecision.F32,
            backend);
    List<TestAdapterGenerator.Spec> specs =
        List.of(
            TestAdapterGenerator.Spec.simple(
                8, 16, List.of("q_proj", "k_proj", "v_proj", "o_proj"), 1),
            new TestAdapterGenerator.Spec(
                16,
                32,
                List.of("gate_proj", "up_proj", "down_proj", "v_proj"),
                Map.of("up_proj", 4),
                Map.of(),
                true,
                DType.BF16,
                2),
            TestAdapterGenerator.Spec.simple(2, 4, List.of("down_proj"), 3));
    table = AdapterTable.empty(model.config().numHiddenLayers());
    for (int i = 0; i < specs.size(); i++) {
      Path dir = tmp.resolve("a" + i);
      TestAdapterGenerator.write(specs.get(i), model.config(), dir);
      table = table.with(LoadedAdapter.of("a" + i, PeftAdapterReader.read(dir), model.config()));
    }
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  @Test
  void everyRowOfAMixedBatchEqualsThatSequenceAlone() {
    int[] slots = {2, -1, 0, 1, 0, -1, 1};
    SplittableRandom r = new SplittableRandom(9);
    List<int[]> seqs = new ArrayList<>();
    for (int i = 0; i < slots.length; i++) {
      int[] s = new int[3 + r.nextInt(9)];
      Arrays.setAll(s, k -> r.nextInt(model.config().vocabSize()));
      seqs.add(s);
    }
    float[] mixed = EngineRun.prefill(model, table, seqs, slots);
    int vocab = model.config().vocabSize();
    int row = 0;
    double worst = 0;
    for (int i = 0; i < seqs.size(); i++) {
      float[] alone = EngineRun.prefill(model, table, List.of(seqs.get(i)), new int[] {slots[i]});
      float[] part = Arrays.copyOfRange(mixed, row * vocab, (row + seqs.get(i).length) * vocab);
      double err = EngineRun.maxAbsError(part, alone);
      worst = Math.max(worst, err);
      assertThat(err).as("sequence %d (slot %d)", i, slots[i]).isLessThan(MIXED_BOUND);
      row += seqs.get(i).length;
    }
    System.out.printf(
        "mixed batch of %d sequences: worst max|err| vs alone %.3g%n", slots.length, worst);
  }

  @Test
  void decodeBatchMixingAdaptersEqualsSoloDecode() {
    int[] seq = {10, 20, 30, 40, 50, 60, 70, 80};
    for (int slot = -1; slot < table.size(); slot++) {
      float[] full = EngineRun.prefill(model, table, List.of(seq), new int[] {slot});
      float[] stepwise = EngineRun.prefillThenDecode(model, table, seq, 3, slot);
      assertThat(EngineRun.maxAbsError(stepwise, full)).as("slot %d", slot).isLessThan(MIXED_BOUND);
    }
  }

  @Test
  void mergedCopyGivesTheUnmergedAdapterLogitsAndLeavesTheBaseAlone() {
    int[] seq = {3, 1, 4, 1, 5, 9, 2, 6};
    float[] baseBefore = EngineRun.prefill(model, table, List.of(seq), new int[] {-1});
    for (int slot = 0; slot < table.size(); slot++) {
      float[] unmerged = EngineRun.prefill(model, table, List.of(seq), new int[] {slot});
      LlamaModel merged =
          model.withWeights(LoraMerge.mergedCopy(model.weights(), table.adapter(slot), backend));
      float[] viaMerge = EngineRun.prefill(merged, table, List.of(seq), new int[] {-1});
      double rel = EngineRun.relativeMaxError(viaMerge, unmerged);
      System.out.printf("merged vs unmerged, adapter %d: rel err %.3g%n", slot, rel);
      assertThat(rel).isLessThan(1e-5);
      assertThat(EngineRun.relativeMaxError(unmerged, baseBefore)).isGreaterThan(1e-3);
    }
    assertThat(EngineRun.prefill(model, table, List.of(seq), new int[] {-1}))
        .as("the base weights are untouched by merging")
        .isEqualTo(baseBefore);
  }

  @Test
  void scaleIsFoldedIntoBPerModuleFromRankPatternAndRsLora() throws Exception {
    // Adapter 1: r=16, alpha=32, rsLoRA, rank_pattern up_proj=4, so s = 32/sqrt(16) = 8 on
    // gate_proj and 32/sqrt(4) = 16 on up_proj.
    LoraAdapter stored = PeftAdapterReader.read(tmp.resolve("a1"));
    LoadedAdapter loaded = table.adapter(1);
    ModuleKey gate = new ModuleKey(1, LinearModule.GATE_PROJ);
    ModuleKey up = new ModuleKey(1, LinearModule.UP_PROJ);
    assertThat(loaded.modules().get(up).rank()).isEqualTo(4);
    assertThat(loaded.modules().get(gate).rank()).isEqualTo(16);
    assertFolded(stored.modules().get(gate).b(), loaded.modules().get(gate).b(), 8f);
    assertFolded(stored.modules().get(up).b(), loaded.modules().get(up).b(), 16f);
    assertThat(loaded.modules().get(up).a()).isEqualTo(stored.modules().get(up).a());
  }

  private static void assertFolded(float[] b, float[] folded, float scale) {
    assertThat(folded).hasSameSizeAs(b);
    for (int i = 0; i < b.length; i++) {
      assertThat(folded[i]).isEqualTo(b[i] * scale);
    }
  }
}
