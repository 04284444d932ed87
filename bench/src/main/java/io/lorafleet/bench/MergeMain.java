package io.lorafleet.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the merge benchmarks of issue 7 and prints a markdown table: merge time of four rank-16
 * adapters of a Qwen2.5-0.5B-shaped model per method, with the references measured in the same run.
 * {@code cat} and {@code svd} merge all 24 layers; the sparsifying methods, whose dense SVD takes
 * seconds per module, merge the first {@code -Dlorafleet.bench.mergeLayers} layers (default 2: ten
 * large modules, which two cores share evenly) and the full-model figure is that time × 24 /
 * layers, printed as an extrapolation. {@code -Dlorafleet.bench.quick=true}: one layer, one shot
 * each, no merge into base (a smoke run).
 */
public final class MergeMain {
  private MergeMain() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Boolean.getBoolean("lorafleet.bench.quick");
    int all = MergeData.QWEN25_0_5B.numHiddenLayers();
    int full = quick ? 1 : all;
    int sparse = quick ? 1 : Integer.getInteger("lorafleet.bench.mergeLayers", 1);
    int shots = quick ? 1 : 3;
    List<String[]> rows = new ArrayList<>();

    Collection<RunResult> exact =
        run(MergeBenchmark.class, ".merge", quick ? 0 : 1, shots, full, "cat", "svd");
    Collection<RunResult> sparseRuns =
        run(
            MergeBenchmark.class,
            ".merge",
            0,
            1,
            sparse,
            "ties",
            "dare-linear",
            "dare-ties",
            "magnitude-prune");
    Collection<RunResult> refsFull =
        run(MergeReferenceBenchmark.class, ".(bytePass|torchLinear)", quick ? 0 : 1, shots, full);
    Collection<RunResult> refsSparse =
        run(MergeReferenceBenchmark.class, ".(oursTiesCombine|torchTiesCombine)", 0, 1, sparse);

    for (RunResult r : exact) {
      rows.add(row(r, full, all));
    }
    for (RunResult r : sparseRuns) {
      rows.add(row(r, sparse, all));
    }
    for (RunResult r : refsFull) {
      rows.add(row(r, full, all));
    }
    for (RunResult r : refsSparse) {
      rows.add(row(r, sparse, all));
    }
    if (!quick) {
      for (RunResult r : run(MergeIntoBaseBenchmark.class, ".(mergeIntoBase|copyModel)", 0, 1, 0)) {
        rows.add(row(r, all, all));
      }
    }

    StringBuilder out = new StringBuilder("\n== Lorafleet merge report ==\n");
    out.append(
        String.format(
            Locale.ROOT,
            "4 sources, rank %d, all 7 linear modules, %.1f M parameters per source (24 layers),"
                + " %d cores%n%n",
            MergeData.RANK,
            MergeData.adapterParameters(all) / 1e6,
            Runtime.getRuntime().availableProcessors()));
    out.append("| what | layers | shots | time (s) | min..max (s) | 24 layers (s) |\n");
    out.append("|---|---|---|---|---|---|\n");
    for (String[] r : rows) {
      out.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    System.out.println(out);
  }

  private static String[] row(RunResult r, int layers, int all) {
    String bench = r.getParams().getBenchmark();
    String name = bench.substring(bench.lastIndexOf('.') + 1);
    String method = r.getParams().getParam("method");
    String what = method != null ? method : name;
    var stats = r.getPrimaryResult().getStatistics();
    double mean = stats.getMean();
    String scaled =
        layers == all
            ? String.format(Locale.ROOT, "%.2f", mean)
            : String.format(Locale.ROOT, "%.1f (extrapolated)", mean * all / layers);
    return new String[] {
      what,
      Integer.toString(layers),
      Long.toString(stats.getN()),
      String.format(Locale.ROOT, "%.4f", mean),
      String.format(Locale.ROOT, "%.4f..%.4f", stats.getMin(), stats.getMax()),
      scaled
    };
  }

  private static Collection<RunResult> run(
      Class<?> benchmark, String methods, int warmup, int shots, int layers, String... methodParam)
      throws RunnerException {
    ChainedOptionsBuilder b =
        new OptionsBuilder()
            .include(benchmark.getName() + methods + "$")
            .shouldFailOnError(true)
            .warmupIterations(warmup)
            .measurementIterations(shots);
    if (methodParam.length > 0) {
      b.param("method", methodParam);
    }
    if (layers > 0) {
      b.param("layers", Integer.toString(layers));
    }
    return new Runner(b.build()).run();
  }
}
