package io.lorafleet.engine.merge;

import static io.lorafleet.engine.merge.MergeTestSupport.frobenius;
import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.support.EngineRun;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 acceptance for every lossy method: the merged adapter, written as PEFT files, read back
 * and loaded by the engine, gives the logits (1e-4 relative) of the base with the method's merged
 * delta added to its weights, where that delta is computed here from the sources' full deltas with
 * the combiners (oracle-tested elsewhere). The output rank is chosen so the SVD back to factors
 * loses nothing (svd: the sum of the source ranks; the others: min(out, in) = 64 of every adapted
 * module), so any error in the factorization, the scale-1 config, the file round trip or the
 * serving path shows.
 */
class MergedAdapterServingTest {
  static final int HIDDEN = 64;

  /** The method's full merged delta of one module, computed directly from the sources. */
  static double[] expectedDelta(ModuleKey key, List<Source> sources, MergeSpec spec) {
    List<double[]> deltas = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    List<Integer> streams = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      LoraWeights w = sources.get(i).adapter().modules().get(key);
      if (w != null) {
        deltas.add(AdapterMerger.delta(w));
        weights.add(sources.get(i).weight());
        streams.add(i);
      }
    }
    double[] wts = weights.stream().mapToDouble(Double::doubleValue).toArray();
    return switch (spec.method()) {
      case SVD -> Combiners.linear(deltas, wts);
      case TIES -> Combiners.ties(deltas, wts, spec.density(), spec.majoritySign());
      case MAGNITUDE_PRUNE -> Combiners.magnitudePrune(deltas, wts, spec.density());
      case DARE_LINEAR, DARE_TIES -> {
        List<double[]> dropped = new ArrayList<>();
        for (int j = 0; j < deltas.size(); j++) {
          dropped.add(
              Combiners.dare(
                  deltas.get(j),
                  spec.density(),
                  spec.seed(),
                  AdapterMerger.tensorId(key),
                  streams.get(j)));
        }
        yield spec.method() == MergeMethod.DARE_LINEAR
            ? Combiners.linear(dropped, wts)
            : Combiners.electAndMean(dropped, wts, spec.majoritySign());
      }
      default -> throw new IllegalArgumentException(spec.method().toString());
    };
  }

  /**
   * A dense delta D as a LoRA pair with A = I (in x in) and B = D, scale 1: B·A is D exactly, so
   * {@link BaseMerger} adds D itself to the base weight.
   */
  static LoraWeights dense(ModuleKey key, double[] d, int out, int in) {
    float[] a = new float[in * in];
    for (int i = 0; i < in; i++) {
      a[i * in + i] = 1;
    }
    float[] b = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      b[i] = (float) d[i];
    }
    return new LoraWeights(key, in, in, out, 1.0, a, b);
  }

  @Test
  void everyLossyMethodServesLikeItsMergedDeltaAddedToTheBase(@TempDir Path tmp) throws Exception {
    try (CpuBackend backend = new CpuBackend()) {
      Path baseDir = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("base"));
      LlamaModel base = LlamaModel.load(baseDir, WeightPrecision.F32, backend);
      assertThat(base.config().hiddenSize()).isEqualTo(HIDDEN);
      // modules whose min(out, in) is the hidden size (k/v_proj are narrower under GQA)
      LoraAdapter a1 =
          TestAdapterGenerator.write(
              TestAdapterGenerator.Spec.simple(
                  8, 16, List.of("q_proj", "o_proj", "up_proj", "down_proj"), 11),
              base.config(),
              tmp.resolve("a1"));
      LoraAdapter a2 =
          TestAdapterGenerator.write(
              TestAdapterGenerator.Spec.simple(4, 8, List.of("q_proj", "o_proj", "down_proj"), 12),
              base.config(),
              tmp.resolve("a2"));
      List<Source> sources = List.of(new Source(a1, 0.7), new Source(a2, -0.4));
      TreeSet<ModuleKey> keys = new TreeSet<>(a1.modules().keySet());
      keys.addAll(a2.modules().keySet());
      int[] seq = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
      AdapterTable none = AdapterTable.empty(base.config().numHiddenLayers());
      float[] plain = EngineRun.prefill(base, none, List.of(seq), new int[] {-1});

      List<MergeSpec> specs =
          List.of(
              new MergeSpec(MergeMethod.SVD, Double.NaN, MajoritySign.TOTAL, OptionalInt.of(12), 0),
              new MergeSpec(MergeMethod.TIES, 0.5, MajoritySign.TOTAL, OptionalInt.of(HIDDEN), 0),
              new MergeSpec(
                  MergeMethod.DARE_LINEAR, 0.5, MajoritySign.TOTAL, OptionalInt.of(HIDDEN), 7),
              new MergeSpec(
                  MergeMethod.DARE_TIES, 0.5, MajoritySign.TOTAL, OptionalInt.of(HIDDEN), 7),
              new MergeSpec(
                  MergeMethod.MAGNITUDE_PRUNE, 0.5, MajoritySign.TOTAL, OptionalInt.of(HIDDEN), 0));
      for (MergeSpec spec : specs) {
        String name = spec.method().wireName();
        Path dir = tmp.resolve("merged-" + name);
        PeftAdapterWriter.write(AdapterMerger.merge(sources, spec).adapter(), dir);
        LoraAdapter merged = PeftAdapterReader.read(dir);
        assertThat(merged.config().r()).as(name).isEqualTo(spec.outputRank().getAsInt());
        assertThat(merged.modules().keySet()).as(name).isEqualTo(keys);

        Map<ModuleKey, LoraWeights> denseModules = new LinkedHashMap<>();
        double sparsified = 0;
        double linearNorm = 0;
        for (ModuleKey key : keys) {
          LoraWeights shape = merged.modules().get(key);
          double[] d = expectedDelta(key, sources, spec);
          double[] linear =
              expectedDelta(
                  key,
                  sources,
                  new MergeSpec(
                      MergeMethod.SVD, Double.NaN, MajoritySign.TOTAL, OptionalInt.of(1), 0));
          sparsified += Math.pow(frobenius(d, linear), 2);
          linearNorm += Math.pow(frobenius(linear, new double[linear.length]), 2);
          denseModules.put(key, dense(key, d, shape.out(), shape.in()));
        }
        if (spec.method() != MergeMethod.SVD) {
          // the sparsified delta is far from the plain weighted sum: the check discriminates
          assertThat(Math.sqrt(sparsified / linearNorm)).as(name).isGreaterThan(0.1);
        }
        LoraAdapter denseAdapter = new LoraAdapter(merged.config(), denseModules, DType.F32);
        Path withDelta = tmp.resolve("base-plus-" + name);
        BaseMerger.mergeIntoCopy(baseDir, List.of(new Source(denseAdapter, 1)), withDelta);
        LlamaModel expectedModel = LlamaModel.load(withDelta, WeightPrecision.F32, backend);

        AdapterTable table = none.with(LoadedAdapter.of(name, merged, base.config()));
        float[] served = EngineRun.prefill(base, table, List.of(seq), new int[] {0});
        float[] expected = EngineRun.prefill(expectedModel, none, List.of(seq), new int[] {-1});
        double rel = EngineRun.relativeMaxError(served, expected);
        System.out.printf("%s: merged adapter vs base + merged delta: rel err %.3g%n", name, rel);
        assertThat(rel).as(name).isLessThan(1e-4);
        assertThat(EngineRun.relativeMaxError(served, plain)).as(name).isGreaterThan(1e-3);
      }
    }
  }
}
