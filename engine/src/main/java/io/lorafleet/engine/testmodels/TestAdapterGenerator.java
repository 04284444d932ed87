package io.lorafleet.engine.testmodels;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.LinearShape;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.ModuleSelector;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Random PEFT LoRA adapters for a model config, written with the artifacts PEFT writer. Unlike
 * PEFT's init (B = 0, a no-op until trained) both A and B are random, so the adapter changes the
 * output and tests can see whether it was applied.
 */
public final class TestAdapterGenerator {

  /** What to generate; the pattern maps follow PEFT (first matching key wins). */
  public record Spec(
      int r,
      double alpha,
      List<String> targetModules,
      Map<String, Integer> rankPattern,
      Map<String, Double> alphaPattern,
      boolean useRslora,
      DType dtype,
      long seed) {

    public static Spec simple(int r, double alpha, List<String> targets, long seed) {
      return new Spec(r, alpha, targets, Map.of(), Map.of(), false, DType.F32, seed);
    }

    AdapterConfig config() {
      return new AdapterConfig(
          r,
          alpha,
          new ModuleSelector.Names(targetModules),
          Optional.empty(),
          useRslora,
          new LinkedHashMap<>(rankPattern),
          new LinkedHashMap<>(alphaPattern),
          false,
          List.of(),
          "none",
          false,
          false,
          List.of(),
          Optional.empty(),
          "CAUSAL_LM",
          0.0,
          List.of());
    }
  }

  private TestAdapterGenerator() {}

  public static LoraAdapter generate(Spec spec, ModelConfig model) {
    AdapterConfig config = spec.config();
    SplittableRandom rnd = new SplittableRandom(spec.seed());
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    for (int l = 0; l < model.numHiddenLayers(); l++) {
      for (LinearModule m : LinearModule.values()) {
        if (m.inDecoderLayer() && config.targets(m, l)) {
          ModuleKey key = new ModuleKey(l, m);
          modules.put(key, weights(config, key, model.shape(m), rnd));
        }
      }
    }
    return new LoraAdapter(config, modules, spec.dtype());
  }

  public static LoraAdapter write(Spec spec, ModelConfig model, Path dir) throws IOException {
    LoraAdapter a = generate(spec, model);
    PeftAdapterWriter.write(a, dir);
    return a;
  }

  /**
   * The same adapter as PEFT initialises it (random A, every lora_B zero): a valid adapter whose
   * output equals the base model's until it is trained.
   */
  public static LoraAdapter writeUntrained(Spec spec, ModelConfig model, Path dir)
      throws IOException {
    LoraAdapter random = generate(spec, model);
    Map<ModuleKey, LoraWeights> zeroB = new LinkedHashMap<>();
    random
        .modules()
        .forEach(
            (key, w) ->
                zeroB.put(
                    key,
                    new LoraWeights(
                        key,
                        w.rank(),
                        w.in(),
                        w.out(),
                        w.scale(),
                        w.a(),
                        new float[w.b().length])));
    LoraAdapter a = new LoraAdapter(random.config(), zeroB, random.dtype());
    PeftAdapterWriter.write(a, dir);
    return a;
  }

  private static LoraWeights weights(
      AdapterConfig c, ModuleKey key, LinearShape shape, SplittableRandom rnd) {
    int rank = c.rankFor(key.path());
    int in = (int) shape.in();
    int out = (int) shape.out();
    float[] a = new float[rank * in];
    float[] b = new float[out * rank];
    double aBound = 1 / Math.sqrt(in); // PEFT's kaiming_uniform(a=sqrt(5)) bound
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextDouble(-aBound, aBound);
    }
    double bBound = 0.5 / Math.sqrt(rank);
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rnd.nextDouble(-bBound, bBound);
    }
    return new LoraWeights(key, rank, in, out, c.scaleFor(key.path(), rank), a, b);
  }
}
