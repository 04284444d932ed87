package io.lorafleet.engine.merge;

import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.safetensors.DType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Merges LoRA adapters module by module on canonical (out × in) deltas, fp64 arithmetic, fp32
 * output; see the package documentation for the exact semantics of every method. Modules are
 * processed in parallel; the result does not depend on the thread count.
 */
public final class AdapterMerger {
  private AdapterMerger() {}

  /** One source adapter and its merge weight (may be negative). */
  public record Source(LoraAdapter adapter, double weight) {}

  /**
   * The merged adapter (r = alpha = r', use_rslora=false, so its scale is exactly 1) and, per
   * module, the Frobenius error of the rank truncation {@code ‖D − B'A'‖_F = sqrt(Σ_{j>r'} S_j²)}
   * (0 for the exact methods).
   */
  public record Result(LoraAdapter adapter, Map<ModuleKey, Double> truncationError) {
    /** sqrt of the sum over modules of the squared truncation errors. */
    public double totalTruncationError() {
      double sum = 0;
      for (double e : truncationError.values()) {
        sum += e * e;
      }
      return Math.sqrt(sum);
    }
  }

  private record Module(LoraWeights weights, double error) {}

  public static Result merge(List<Source> sources, MergeSpec spec) {
    return merge(sources, spec, Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  public static Result merge(List<Source> sources, MergeSpec spec, int threads) {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("nothing to merge");
    }
    TreeSet<ModuleKey> keys = new TreeSet<>();
    int maxRank = 0;
    for (Source s : sources) {
      keys.addAll(s.adapter().modules().keySet());
      for (LoraWeights w : s.adapter().modules().values()) {
        maxRank = Math.max(maxRank, w.rank());
      }
    }
    int outRank;
    if (spec.method().exact()) {
      outRank = 0;
      for (ModuleKey key : keys) {
        int sum = 0;
        for (Source s : sources) {
          LoraWeights w = s.adapter().modules().get(key);
          sum += w == null ? 0 : w.rank();
        }
        outRank = Math.max(outRank, sum);
      }
    } else {
      outRank = spec.outputRank().orElse(maxRank);
    }
    final int rank = outRank;
    Map<ModuleKey, Module> merged = new LinkedHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Module>> futures = new ArrayList<>();
      for (ModuleKey key : keys) {
        futures.add(pool.submit(() -> mergeModule(key, sources, spec, rank)));
      }
      int i = 0;
      for (ModuleKey key : keys) {
        merged.put(key, futures.get(i++).get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("merge interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
    Map<ModuleKey, LoraWeights> modules = new LinkedHashMap<>();
    Map<ModuleKey, Double> errors = new LinkedHashMap<>();
    TreeSet<String> targets = new TreeSet<>();
    for (Map.Entry<ModuleKey, Module> e : merged.entrySet()) {
      modules.put(e.getKey(), e.getValue().weights());
      errors.put(e.getKey(), e.getValue().error());
      targets.add(e.getKey().module().moduleName());
    }
    AdapterConfig config = AdapterConfig.of(rank, rank, List.copyOf(targets));
    return new Result(
        new LoraAdapter(config, modules, DType.F32), Collections.unmodifiableMap(errors));
  }

  /** Stable id of a module's tensor for the DARE counter: (layer + 1) · 16 + module ordinal. */
  static int tensorId(ModuleKey key) {
    return (key.layer() + 1) * 16 + key.module().ordinal();
  }

  /** The effective delta {@code s · B · A} (out × in) in fp64. */
  public static double[] delta(LoraWeights w) {
    return Svd.multiply(toDouble(w.b(), w.scale()), toDouble(w.a(), 1), w.out(), w.rank(), w.in());
  }

  private static Module mergeModule(ModuleKey key, List<Source> sources, MergeSpec spec, int rank) {
    List<LoraWeights> present = new ArrayList<>();
    List<Integer> index = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      LoraWeights w = sources.get(i).adapter().modules().get(key);
      if (w != null) {
        if (!present.isEmpty()
            && (w.out() != present.getFirst().out() || w.in() != present.getFirst().in())) {
          throw new UnmergeableSourcesException(
              key
                  + ": sources disagree on the shape ("
                  + present.getFirst().out()
                  + "x"
                  + present.getFirst().in()
                  + " vs "
                  + w.out()
                  + "x"
                  + w.in()
                  + ")");
        }
        present.add(w);
        index.add(i);
      }
    }
    int out = present.getFirst().out();
    int in = present.getFirst().in();
    double[] weights = new double[present.size()];
    for (int j = 0; j < weights.length; j++) {
      weights[j] = sources.get(index.get(j)).weight();
    }
    if (spec.method().exact()) {
      Factors cat = concatenate(present, weights, rank);
      return new Module(
          new LoraWeights(key, cat.rank(), in, out, 1.0, toFloat(cat.a()), toFloat(cat.b())), 0);
    }
    if (rank > Math.min(out, in)) {
      throw new UnmergeableSourcesException(
          key + ": output rank " + rank + " exceeds min(out, in) = " + Math.min(out, in));
    }
    Svd svd;
    if (spec.method() == MergeMethod.SVD) {
      Factors cat = concatenate(present, weights, 0);
      svd = Svd.ofProduct(cat.b(), out, cat.rank(), cat.a(), in);
    } else {
      List<double[]> deltas = new ArrayList<>();
      for (LoraWeights w : present) {
        deltas.add(delta(w));
      }
      double[] d =
          switch (spec.method()) {
            case TIES -> Combiners.ties(deltas, weights, spec.density(), spec.majoritySign());
            case MAGNITUDE_PRUNE -> Combiners.magnitudePrune(deltas, weights, spec.density());
            case DARE_LINEAR, DARE_TIES -> {
              List<double[]> dropped = new ArrayList<>();
              for (int j = 0; j < deltas.size(); j++) {
                dropped.add(
                    Combiners.dare(
                        deltas.get(j), spec.density(), spec.seed(), tensorId(key), index.get(j)));
              }
              yield spec.method() == MergeMethod.DARE_LINEAR
                  ? Combiners.linear(dropped, weights)
                  : Combiners.electAndMean(dropped, weights, spec.majoritySign());
            }
            default -> throw new IllegalStateException(spec.method().toString());
          };
      svd = Svd.of(d, out, in);
    }
    return new Module(truncate(key, svd, rank), svd.tailNorm(rank));
  }

  /** Factors in fp64: B is out × rank, A rank × in, row-major. */
  private record Factors(int rank, double[] b, double[] a) {}

  /**
   * {@code A' = vstack(w_i s_i A_i)}, {@code B' = hstack(B_i)} in fp64, zero-padded to {@code
   * padTo} rows of A' and columns of B' (no padding when {@code padTo} is at most the sum of
   * ranks).
   */
  private static Factors concatenate(List<LoraWeights> present, double[] weights, int padTo) {
    int out = present.getFirst().out();
    int in = present.getFirst().in();
    int sum = 0;
    for (LoraWeights w : present) {
      sum += w.rank();
    }
    int r = Math.max(sum, padTo);
    double[] a = new double[r * in];
    double[] b = new double[out * r];
    int offset = 0;
    for (int j = 0; j < present.size(); j++) {
      LoraWeights w = present.get(j);
      double f = weights[j] * w.scale();
      for (int p = 0; p < w.rank(); p++) {
        for (int c = 0; c < in; c++) {
          a[(offset + p) * in + c] = f * w.a()[p * in + c];
        }
        for (int o = 0; o < out; o++) {
          b[o * r + offset + p] = w.b()[o * w.rank() + p];
        }
      }
      offset += w.rank();
    }
    return new Factors(r, b, a);
  }

  /** {@code B' = U[:, :r'] · diag(S[:r'])}, {@code A' = V[:, :r']ᵀ}, zero beyond the SVD's k. */
  private static LoraWeights truncate(ModuleKey key, Svd svd, int rank) {
    int out = svd.m();
    int in = svd.n();
    int k = svd.k();
    float[] a = new float[rank * in];
    float[] b = new float[out * rank];
    for (int p = 0; p < Math.min(rank, k); p++) {
      double s = svd.s()[p];
      for (int o = 0; o < out; o++) {
        b[o * rank + p] = (float) (svd.u()[o * k + p] * s);
      }
      for (int c = 0; c < in; c++) {
        a[p * in + c] = (float) svd.v()[c * k + p];
      }
    }
    return new LoraWeights(key, rank, in, out, 1.0, a, b);
  }

  private static float[] toFloat(double[] x) {
    float[] f = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
  }

  private static double[] toDouble(float[] x, double factor) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = factor * x[i];
    }
    return d;
  }
}
