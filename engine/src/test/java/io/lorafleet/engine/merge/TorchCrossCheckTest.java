package io.lorafleet.engine.merge;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's cross-check: every method's merged delta against a straightforward PyTorch (DJL, fp64)
 * computation of the same formula on random adapters. DARE uses the keep mask drawn by our Philox
 * (bit-equality with PyTorch's RNG is not a goal); the formula around it is PyTorch's.
 */
class TorchCrossCheckTest {
  static final ModuleKey KEY = new ModuleKey(0, LinearModule.O_PROJ);
  static final int OUT = 20;
  static final int IN = 12;
  static final double DENSITY = 0.35;
  static final long SEED = 99;
  static final List<Source> SOURCES =
      List.of(
          new Source(MergeTestSupport.random(31, 4, 8, false, OUT, IN, List.of(KEY)), 0.8),
          new Source(MergeTestSupport.random(32, 6, 6, true, OUT, IN, List.of(KEY)), -0.6),
          new Source(MergeTestSupport.random(33, 2, 16, false, OUT, IN, List.of(KEY)), 1.1));

  static NDManager nd;

  @BeforeAll
  static void open() {
    nd = NDManager.newBaseManager(Device.cpu(), "PyTorch");
  }

  @AfterAll
  static void close() {
    nd.close();
  }

  static NDArray matrix(NDManager m, float[] x, int rows, int cols) {
    return m.create(x, new Shape(rows, cols)).toType(DataType.FLOAT64, false);
  }

  /** s · B @ A in PyTorch. */
  static NDArray delta(NDManager m, LoraWeights w) {
    return matrix(m, w.b(), w.out(), w.rank())
        .dot(matrix(m, w.a(), w.rank(), w.in()))
        .mul(w.scale());
  }

  /** Keep the k = floor(d·n) largest |x| (random inputs: no ties). */
  static NDArray prune(NDArray x, double density) {
    int n = (int) x.size();
    int k = (int) Math.floor(density * n);
    double threshold = x.abs().flatten().sort().getDouble(n - k);
    return x.mul(x.abs().gte(threshold).toType(DataType.FLOAT64, false));
  }

  /** TIES election (total) and disjoint mean. */
  static NDArray electAndMean(List<NDArray> p, double[] w) {
    NDArray sum = NDArrays.stack(new NDList(p)).sum(new int[] {0});
    NDArray gamma = sum.gte(0).toType(DataType.FLOAT64, false).mul(2).sub(1);
    NDArray num = sum.zerosLike();
    NDArray count = sum.zerosLike();
    for (int i = 0; i < p.size(); i++) {
      NDArray mask = p.get(i).sign().eq(gamma).toType(DataType.FLOAT64, false);
      num = num.add(p.get(i).mul(mask).mul(w[i]));
      count = count.add(mask);
    }
    return num.div(count.maximum(1));
  }

  static NDArray dare(NDManager m, NDArray x, int source) {
    float[] keep = new float[OUT * IN];
    for (int e = 0; e < keep.length; e++) {
      keep[e] = Philox.uniform(SEED, AdapterMerger.tensorId(KEY), source, e) < DENSITY ? 1f : 0f;
    }
    return x.mul(matrix(m, keep, OUT, IN)).div(DENSITY);
  }

  static NDArray reference(NDManager m, MergeMethod method) {
    List<NDArray> deltas = new ArrayList<>();
    double[] w = new double[SOURCES.size()];
    for (int i = 0; i < SOURCES.size(); i++) {
      deltas.add(delta(m, SOURCES.get(i).adapter().modules().get(KEY)));
      w[i] = SOURCES.get(i).weight();
    }
    List<NDArray> terms = new ArrayList<>();
    for (int i = 0; i < deltas.size(); i++) {
      NDArray d = deltas.get(i);
      terms.add(
          switch (method) {
            case TIES, MAGNITUDE_PRUNE -> prune(d, DENSITY);
            case DARE_LINEAR, DARE_TIES -> dare(m, d, i);
            default -> d;
          });
    }
    if (method == MergeMethod.TIES || method == MergeMethod.DARE_TIES) {
      return electAndMean(terms, w);
    }
    NDArray sum = terms.getFirst().zerosLike();
    for (int i = 0; i < terms.size(); i++) {
      sum = sum.add(terms.get(i).mul(w[i]));
    }
    return sum;
  }

  @Test
  void everyMethodMatchesPyTorch() {
    for (MergeMethod method : MergeMethod.values()) {
      try (NDManager m = nd.newSubManager()) {
        // full rank (min(out, in) = 12) so that the truncation is exact for the sparse methods
        MergeSpec spec =
            new MergeSpec(method, DENSITY, MajoritySign.TOTAL, OptionalInt.of(IN), SEED);
        LoraAdapter merged = AdapterMerger.merge(SOURCES, spec).adapter();
        double[] ours = AdapterMerger.delta(merged.modules().get(KEY));
        double[] torch = reference(m, method).toDoubleArray();
        double scale = 0;
        for (double t : torch) {
          scale = Math.max(scale, Math.abs(t));
        }
        double rel = MergeTestSupport.maxAbsDiff(ours, torch) / scale;
        System.out.printf("%s vs PyTorch: max rel err %.3g%n", method.wireName(), rel);
        assertThat(rel).as(method.wireName()).isLessThan(1e-5);
      }
    }
  }
}
