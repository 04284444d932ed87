package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.safetensors.DType;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What leaves a run: the adapter (as trained, and as published on the original base) and the
 * resumable state (parameters and AdamW moments), each a deep copy in {@link ModuleKey} order.
 */
final class LoraExports {
  private LoraExports() {}

  /** The adapter as PEFT would save it; valid on the base the run trains on. */
  static LoraAdapter adapter(LoraParameters parameters, LoraTrainingOptions options, DType dtype) {
    List<String> targets = options.targetModules().stream().map(LinearModule::moduleName).toList();
    AdapterConfig c =
        AdapterConfig.of(
            options.rank(), options.alpha(), targets, options.useRslora(), options.dropout());
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    for (LoraParameter p : parameters.all()) {
      modules.put(
          p.key,
          new LoraWeights(p.key, p.rank, p.in, p.out, options.scale(), p.a.clone(), p.b.clone()));
    }
    return new LoraAdapter(c, modules, dtype);
  }

  /**
   * The adapter valid on the model the run was created with. With standard init that is {@link
   * #adapter}. With PiSSA the trained factors only reproduce the trained model on the residual base
   * {@code W − s·B₀A₀}, so, as PEFT's {@code path_initial_model_for_weight_conversion} does, the
   * published adapter is {@code s·(B·A − B₀·A₀)} stored exactly at rank 2r: A' = [A; A₀], B' = [B,
   * −B₀], with lora_alpha chosen so that its scale is the trained one.
   */
  static LoraAdapter published(
      LoraParameters parameters, LoraTrainingOptions options, DType dtype) {
    if (options.init() != LoraTrainingOptions.Init.PISSA) {
      return adapter(parameters, options, dtype);
    }
    int r2 = 2 * options.rank();
    double scale = options.scale();
    List<String> targets = options.targetModules().stream().map(LinearModule::moduleName).toList();
    AdapterConfig c = AdapterConfig.of(r2, scale * r2, targets, false, options.dropout());
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    for (LoraParameter p : parameters.all()) {
      float[] a = new float[r2 * p.in];
      System.arraycopy(p.a, 0, a, 0, p.a.length);
      System.arraycopy(p.initialA, 0, a, p.a.length, p.initialA.length);
      float[] b = new float[p.out * r2];
      for (int o = 0; o < p.out; o++) {
        for (int j = 0; j < p.rank; j++) {
          b[o * r2 + j] = p.b[o * p.rank + j];
          b[o * r2 + p.rank + j] = -p.initialB[o * p.rank + j];
        }
      }
      modules.put(p.key, new LoraWeights(p.key, r2, p.in, p.out, scale, a, b));
    }
    return new LoraAdapter(c, modules, dtype);
  }

  /** Accumulated gradients by PEFT tensor name. */
  static Map<String, float[]> gradients(LoraParameters parameters) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (LoraParameter p : parameters.all()) {
      out.put(p.nameA(), p.gradA.clone());
      out.put(p.nameB(), p.gradB.clone());
    }
    return out;
  }

  /** Parameters, moments and the step count; not the gradients (take it between steps). */
  static TrainingState snapshot(LoraParameters parameters, long steps) {
    Map<String, float[]> tensors = new LinkedHashMap<>();
    Map<String, int[]> shapes = new HashMap<>();
    for (LoraParameter p : parameters.all()) {
      int[] sa = {p.rank, p.in};
      int[] sb = {p.out, p.rank};
      put(tensors, shapes, p.nameA(), p.a, sa);
      put(tensors, shapes, p.nameA() + ".exp_avg", p.expAvgA, sa);
      put(tensors, shapes, p.nameA() + ".exp_avg_sq", p.expAvgSqA, sa);
      put(tensors, shapes, p.nameB(), p.b, sb);
      put(tensors, shapes, p.nameB() + ".exp_avg", p.expAvgB, sb);
      put(tensors, shapes, p.nameB() + ".exp_avg_sq", p.expAvgSqB, sb);
    }
    return new TrainingState(tensors, shapes, steps);
  }

  /** Copies a snapshot's parameters and moments in and zeroes the gradients. */
  static void restore(LoraParameters parameters, TrainingState state) {
    for (LoraParameter p : parameters.all()) {
      copy(state, p.nameA(), p.a);
      copy(state, p.nameA() + ".exp_avg", p.expAvgA);
      copy(state, p.nameA() + ".exp_avg_sq", p.expAvgSqA);
      copy(state, p.nameB(), p.b);
      copy(state, p.nameB() + ".exp_avg", p.expAvgB);
      copy(state, p.nameB() + ".exp_avg_sq", p.expAvgSqB);
      p.zeroGradients();
    }
  }

  private static void put(
      Map<String, float[]> t, Map<String, int[]> s, String name, float[] v, int[] shape) {
    t.put(name, v.clone());
    s.put(name, shape.clone());
  }

  private static void copy(TrainingState state, String name, float[] into) {
    float[] v = state.tensors().get(name);
    if (v == null || v.length != into.length) {
      throw new IllegalArgumentException(
          "training state "
              + (v == null ? "lacks " + name : "has " + v.length + " values for " + name)
              + "; this run needs "
              + into.length);
    }
    System.arraycopy(v, 0, into, 0, into.length);
  }
}
