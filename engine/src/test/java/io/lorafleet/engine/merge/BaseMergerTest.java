package io.lorafleet.engine.merge;

import static io.lorafleet.engine.merge.MergeTestSupport.Q0;
import static io.lorafleet.engine.merge.MergeTestSupport.adapter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.ElementCodec;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.support.EngineRun;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** algorithms.md A6 oracles, and merged copies served by the engine. */
class BaseMergerTest {
  static final String Q0_WEIGHT = Q0.path() + ".weight";

  static Path model(Path dir, DType dtype, float[] q, int out, int in) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
    SafetensorsWriter.write(
        dir.resolve("model.safetensors"),
        List.of(
            Tensor.ofFloats(Q0_WEIGHT, dtype, List.of((long) out, (long) in), q),
            Tensor.ofFloats("model.norm.weight", dtype, List.of(2L), new float[] {0.5f, 0.25f})),
        Map.of("format", "pt"));
    return dir;
  }

  static float[] read(Path dir, String name) throws Exception {
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      return f.readFloats(name);
    }
  }

  @Test
  void fp32MergeOracleAndTheRestIsCopied(@TempDir Path tmp) throws Exception {
    // W=I2, B=[[1],[2]], A=[[3,4]], alpha=2, r=1 (s=2) -> merged [[7,8],[12,17]]
    Path base = model(tmp.resolve("base"), DType.F32, new float[] {1, 0, 0, 1}, 2, 2);
    LoraAdapter ad = adapter(Q0, 1, 2, false, 2, 2, new float[] {3, 4}, new float[] {1, 2});
    Path out = tmp.resolve("merged");
    BaseMerger.mergeIntoCopy(base, List.of(new Source(ad, 1)), out);
    float[] merged = read(out, Q0_WEIGHT);
    assertThat(merged).containsExactly(7, 8, 12, 17);
    assertThat(read(out, "model.norm.weight")).containsExactly(0.5f, 0.25f);
    assertThat(Files.readString(out.resolve("config.json"))).contains("llama");
    assertThat(Files.exists(tmp.resolve("merged.partial"))).isFalse();
    // unmerge -> I2 exactly (in fp32 here); the original is untouched
    double[] delta = AdapterMerger.delta(ad.modules().get(Q0));
    for (int i = 0; i < 4; i++) {
      assertThat((float) (merged[i] - delta[i])).isEqualTo(i == 0 || i == 3 ? 1f : 0f);
    }
    assertThat(read(base, Q0_WEIGHT)).containsExactly(1, 0, 0, 1);
    assertThatThrownBy(() -> BaseMerger.mergeIntoCopy(base, List.of(new Source(ad, 1)), out))
        .hasMessageContaining("already exists");
  }

  @Test
  void halfPrecisionRoundsOnceToTheStorageDtype(@TempDir Path tmp) throws Exception {
    record Case(DType dtype, float delta, float expected) {}
    // bf16(1.0 + 0.001) = 1.0; bf16 1.0 + 0.01 -> 1.0078125; fp16 1.0 + 0.01 -> 1.0097656
    for (Case c :
        List.of(
            new Case(DType.BF16, 0.001f, 1.0f),
            new Case(DType.BF16, 0.01f, 1.0078125f),
            new Case(DType.F16, 0.01f, 1.0097656f))) {
      Path base = model(tmp.resolve("b" + c), c.dtype(), new float[] {1}, 1, 1);
      LoraAdapter ad = adapter(Q0, 1, 1, false, 1, 1, new float[] {1}, new float[] {c.delta()});
      Path out = tmp.resolve("m" + c);
      BaseMerger.mergeIntoCopy(base, List.of(new Source(ad, 1)), out);
      assertThat(read(out, Q0_WEIGHT)[0]).as("%s", c).isEqualTo(c.expected());
    }
    // why unmerge is "serve the pristine copy": bf16 unmerge by subtraction -> 0.99609375
    float back = ElementCodec.bf16ToFloat(ElementCodec.floatToBf16(1.0078125f - 0.01f));
    assertThat(back).isEqualTo(0.99609375f);
    // fp16 oracle: unmerge by subtraction -> 1.0 here, but only because the rounding allows it
    assertThat(Float.float16ToFloat(Float.floatToFloat16(1.0097656f - 0.01f))).isEqualTo(1.0f);
  }

  @Test
  void unmergeIsThePristineOriginalWhichTheMergeLeavesByteForByte(@TempDir Path tmp)
      throws Exception {
    // fp16: merge 1.0 + 0.01 -> 1.0097656, and subtracting in fp16 gives 1.0 back (A6 oracle);
    // bf16: merge -> 1.0078125, subtracting gives 0.99609375, not 1.0. The original is kept.
    for (DType dtype : List.of(DType.F16, DType.BF16)) {
      Path base = model(tmp.resolve("b" + dtype), dtype, new float[] {1}, 1, 1);
      byte[] before = Files.readAllBytes(base.resolve("model.safetensors"));
      // a pulled version's manifest describes the original: it must not be copied
      Files.writeString(base.resolve(ArtifactStore.MANIFEST), "{}");
      LoraAdapter ad = adapter(Q0, 1, 1, false, 1, 1, new float[] {1}, new float[] {0.01f});
      Path out = tmp.resolve("m" + dtype);
      BaseMerger.mergeIntoCopy(base, List.of(new Source(ad, 1)), out);
      float merged = read(out, Q0_WEIGHT)[0];
      float delta = (float) AdapterMerger.delta(ad.modules().get(Q0))[0];
      float subtracted;
      if (dtype == DType.F16) {
        assertThat(merged).isEqualTo(1.0097656f);
        subtracted = Float.float16ToFloat(Float.floatToFloat16(merged - delta));
        assertThat(subtracted).isEqualTo(1.0f);
      } else {
        assertThat(merged).isEqualTo(1.0078125f);
        subtracted = ElementCodec.bf16ToFloat(ElementCodec.floatToBf16(merged - delta));
        assertThat(subtracted).isEqualTo(0.99609375f);
      }
      assertThat(Files.readAllBytes(base.resolve("model.safetensors"))).isEqualTo(before);
      assertThat(read(base, Q0_WEIGHT)).containsExactly(1f);
      assertThat(out.resolve(ArtifactStore.MANIFEST)).doesNotExist();
      assertThat(out.resolve("config.json")).exists();
    }
  }

  @Test
  void mergedBaseServesLikeTheAdapterAndLikeTheMergedAdapter(@TempDir Path tmp) throws Exception {
    try (CpuBackend backend = new CpuBackend()) {
      Path baseDir = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("base"));
      LlamaModel base = LlamaModel.load(baseDir, WeightPrecision.F32, backend);
      LoraAdapter a1 =
          TestAdapterGenerator.write(
              TestAdapterGenerator.Spec.simple(8, 16, List.of("q_proj", "v_proj", "down_proj"), 1),
              base.config(),
              tmp.resolve("a1"));
      LoraAdapter a2 =
          TestAdapterGenerator.write(
              TestAdapterGenerator.Spec.simple(4, 8, List.of("v_proj", "o_proj"), 2),
              base.config(),
              tmp.resolve("a2"));
      List<Source> sources = List.of(new Source(a1, 0.7), new Source(a2, -0.4));
      LoraAdapter cat = AdapterMerger.merge(sources, MergeSpec.of(MergeMethod.CAT)).adapter();
      AdapterTable table =
          AdapterTable.empty(base.config().numHiddenLayers())
              .with(LoadedAdapter.of("a1", a1, base.config()))
              .with(LoadedAdapter.of("cat", cat, base.config()));
      int[] seq = {3, 1, 4, 1, 5, 9, 2, 6};

      BaseMerger.mergeIntoCopy(baseDir, List.of(new Source(a1, 1)), tmp.resolve("m1"));
      LlamaModel m1 = LlamaModel.load(tmp.resolve("m1"), WeightPrecision.F32, backend);
      float[] viaAdapter = EngineRun.prefill(base, table, List.of(seq), new int[] {0});
      float[] viaBase = EngineRun.prefill(m1, table, List.of(seq), new int[] {-1});
      float[] plain = EngineRun.prefill(base, table, List.of(seq), new int[] {-1});
      double rel1 = EngineRun.relativeMaxError(viaBase, viaAdapter);
      assertThat(rel1).isLessThan(1e-5);
      assertThat(EngineRun.relativeMaxError(viaAdapter, plain)).isGreaterThan(1e-3);

      BaseMerger.mergeIntoCopy(baseDir, sources, tmp.resolve("m12"));
      LlamaModel m12 = LlamaModel.load(tmp.resolve("m12"), WeightPrecision.F32, backend);
      float[] viaCat = EngineRun.prefill(base, table, List.of(seq), new int[] {1});
      float[] viaDeltas = EngineRun.prefill(m12, table, List.of(seq), new int[] {-1});
      double rel2 = EngineRun.relativeMaxError(viaCat, viaDeltas);
      System.out.printf(
          "merge-into-base vs adapter: rel err %.3g; cat adapter vs merged deltas: %.3g%n",
          rel1, rel2);
      assertThat(rel2).isLessThan(1e-4);
    }
  }
}
