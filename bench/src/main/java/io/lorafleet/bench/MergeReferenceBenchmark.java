package io.lorafleet.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.engine.merge.AdapterMerger;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.Combiners;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * References for {@link MergeBenchmark}, on the same sources: one pass over the bytes (every source
 * factor copied once into a concatenated output, the floor for {@code cat}); the dense linear delta
 * {@code Σ w_i s_i B_i A_i} of every module in PyTorch 2.5.1 (DJL, fp64), the first step of a
 * straightforward SVD merge; and the TIES combination (trim to density 0.5, sign election, disjoint
 * mean, no SVD) in our code and in PyTorch, which isolates the SVD's share of the sparsifying
 * methods.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xmx8g",
      "--add-modules",
      "jdk.incubator.vector",
      "--enable-native-access=ALL-UNNAMED",
      "-Dai.djl.offline=true"
    })
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class MergeReferenceBenchmark {
  @Param({"24"})
  public int layers;

  private List<Source> sources;
  private List<ModuleKey> keys;
  private double[] weights;
  private NDManager nd;
  private ExecutorService pool;

  @Setup(Level.Trial)
  public void setup() {
    sources = MergeData.sources(layers);
    keys = List.copyOf(sources.getFirst().adapter().modules().keySet());
    weights = sources.stream().mapToDouble(Source::weight).toArray();
    pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    nd = NDManager.newBaseManager(Device.cpu(), "PyTorch"); // loads libtorch outside the timing
  }

  /** Every A and B of every source copied once into per-module concatenated arrays. */
  @Benchmark
  public long bytePass() {
    long n = 0;
    for (ModuleKey key : keys) {
      int total = 0;
      for (Source s : sources) {
        LoraWeights w = s.adapter().modules().get(key);
        total += w.a().length + w.b().length;
      }
      float[] out = new float[total];
      int at = 0;
      for (Source s : sources) {
        LoraWeights w = s.adapter().modules().get(key);
        System.arraycopy(w.a(), 0, out, at, w.a().length);
        at += w.a().length;
        System.arraycopy(w.b(), 0, out, at, w.b().length);
        at += w.b().length;
      }
      n += out.length + (long) out[out.length - 1];
    }
    return n;
  }

  /** PyTorch: the dense {@code Σ w_i s_i B_i A_i} of every module, fp64. */
  @Benchmark
  public double torchLinear() {
    double check = 0;
    for (ModuleKey key : keys) {
      try (NDManager m = nd.newSubManager()) {
        NDArray sum = null;
        for (int i = 0; i < sources.size(); i++) {
          NDArray d = delta(m, sources.get(i).adapter().modules().get(key)).mul(weights[i]);
          sum = sum == null ? d : sum.add(d);
        }
        check += sum.getDouble(0, 0);
      }
    }
    return check;
  }

  /** Our TIES combination (deltas, trim, elect, disjoint mean) of every module, no SVD. */
  @Benchmark
  public double oursTiesCombine() throws Exception {
    List<Future<double[]>> parts = new ArrayList<>();
    for (ModuleKey key : keys) {
      parts.add(
          pool.submit(
              () -> {
                List<double[]> deltas = new ArrayList<>();
                for (Source s : sources) {
                  deltas.add(AdapterMerger.delta(s.adapter().modules().get(key)));
                }
                return Combiners.ties(deltas, weights, MergeBenchmark.DENSITY, MajoritySign.TOTAL);
              }));
    }
    double check = 0;
    for (Future<double[]> f : parts) {
      check += f.get()[0];
    }
    return check;
  }

  /** PyTorch: the same TIES combination, written as in the engine's cross-check test. */
  @Benchmark
  public double torchTiesCombine() {
    double check = 0;
    for (ModuleKey key : keys) {
      try (NDManager m = nd.newSubManager()) {
        List<NDArray> trimmed = new ArrayList<>();
        for (Source s : sources) {
          trimmed.add(prune(delta(m, s.adapter().modules().get(key)), MergeBenchmark.DENSITY));
        }
        NDArray sum = NDArrays.stack(new NDList(trimmed)).sum(new int[] {0});
        NDArray gamma = sum.gte(0).toType(DataType.FLOAT64, false).mul(2).sub(1);
        NDArray num = sum.zerosLike();
        NDArray count = sum.zerosLike();
        for (int i = 0; i < trimmed.size(); i++) {
          NDArray mask = trimmed.get(i).sign().eq(gamma).toType(DataType.FLOAT64, false);
          num = num.add(trimmed.get(i).mul(mask).mul(weights[i]));
          count = count.add(mask);
        }
        check += num.div(count.maximum(1)).getDouble(0, 0);
      }
    }
    return check;
  }

  private static NDArray matrix(NDManager m, float[] x, int rows, int cols) {
    return m.create(x, new Shape(rows, cols)).toType(DataType.FLOAT64, false);
  }

  private static NDArray delta(NDManager m, LoraWeights w) {
    return matrix(m, w.b(), w.out(), w.rank())
        .dot(matrix(m, w.a(), w.rank(), w.in()))
        .mul(w.scale());
  }

  /** Keeps the {@code floor(density · n)} largest magnitudes (random inputs: no ties). */
  private static NDArray prune(NDArray x, double density) {
    int n = (int) x.size();
    int k = (int) Math.floor(density * n);
    double threshold = x.abs().flatten().sort().getDouble(n - k);
    return x.mul(x.abs().gte(threshold).toType(DataType.FLOAT64, false));
  }

  @TearDown(Level.Trial)
  public void close() {
    pool.shutdownNow();
    nd.close();
  }
}
