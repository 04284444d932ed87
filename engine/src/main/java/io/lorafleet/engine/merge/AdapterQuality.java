package io.lorafleet.engine.merge;

import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.safetensors.ShardedSafetensors;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adapter quality metrics per module (issue 7 item 6): the Frobenius norm of {@code ΔW = s·B·A},
 * its numerical rank (singular values above {@code max(out, in) · 2⁻⁵² · σ_1}), and intruder
 * dimensions (algorithms.md B4, PEFT's left-vector variant): for the top {@code k} left singular
 * vectors of {@code W0 + ΔW}, {@code c_j = max_i |U1[:, j] · U0[:, i]|} against every left singular
 * vector of the base weight {@code W0}; {@code c_j < ε} is an intruder.
 */
public final class AdapterQuality {
  /** PEFT's defaults: top 10 singular vectors, ε = 0.5. */
  public static final int DEFAULT_TOP_K = 10;

  public static final double DEFAULT_EPSILON = 0.5;

  private AdapterQuality() {}

  public record ModuleReport(
      double deltaNorm, int numericalRank, double[] maxCosines, int intruders) {}

  /** Reports every module of {@code adapter} against the base weights in {@code modelDir}. */
  public static Map<ModuleKey, ModuleReport> report(
      LoraAdapter adapter, Path modelDir, int topK, double epsilon) throws IOException {
    Map<ModuleKey, ModuleReport> out = new LinkedHashMap<>();
    try (ShardedSafetensors weights = ShardedSafetensors.open(modelDir)) {
      for (Map.Entry<ModuleKey, LoraWeights> e : adapter.modules().entrySet()) {
        LoraWeights w = e.getValue();
        String name = e.getKey().path() + ".weight";
        if (!weights.names().contains(name)) {
          throw new IllegalArgumentException(
              "the base model has no tensor " + name + " (a tied lm_head has none of its own)");
        }
        TensorInfo info = weights.info(name);
        if (info.rank() != 2 || info.dim(0) != w.out() || info.dim(1) != w.in()) {
          throw new IllegalArgumentException(
              name
                  + " is "
                  + info.shape()
                  + " but the adapter's delta is "
                  + w.out()
                  + "x"
                  + w.in());
        }
        float[] base = weights.readFloats(name);
        double[] w0 = new double[base.length];
        for (int i = 0; i < base.length; i++) {
          w0[i] = base[i];
        }
        out.put(e.getKey(), module(w0, AdapterMerger.delta(w), w.out(), w.in(), topK, epsilon));
      }
    }
    return out;
  }

  /** The report of one module from its base weight and delta (row-major out × in, fp64). */
  public static ModuleReport module(
      double[] w0, double[] delta, int out, int in, int topK, double epsilon) {
    Svd d = Svd.of(delta, out, in);
    double norm = d.tailNorm(0);
    double tol = Math.max(out, in) * Math.ulp(1.0) * d.s()[0];
    int rank = 0;
    while (rank < d.k() && d.s()[rank] > tol) {
      rank++;
    }
    double[] c = maxCosines(w0, delta, out, in, topK);
    int intruders = 0;
    for (double cj : c) {
      if (cj < epsilon) {
        intruders++;
      }
    }
    return new ModuleReport(norm, rank, c, intruders);
  }

  /** {@code c_j} for {@code j < min(k, min(out, in))}. */
  public static double[] maxCosines(double[] w0, double[] delta, int out, int in, int topK) {
    double[] wf = new double[w0.length];
    for (int i = 0; i < wf.length; i++) {
      wf[i] = w0[i] + delta[i];
    }
    Svd base = Svd.of(w0, out, in);
    Svd tuned = Svd.of(wf, out, in);
    int n = Math.min(topK, tuned.k());
    double[] c = new double[n];
    for (int j = 0; j < n; j++) {
      double best = 0;
      for (int i = 0; i < base.k(); i++) {
        double dot = 0;
        for (int r = 0; r < out; r++) {
          dot += tuned.u()[r * tuned.k() + j] * base.u()[r * base.k() + i];
        }
        best = Math.max(best, Math.abs(dot));
      }
      c[j] = best;
    }
    return c;
  }
}
