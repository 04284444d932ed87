package io.lorafleet.bench;

import io.lorafleet.artifacts.safetensors.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the decode benchmarks and prints the report of issue 4: single-stream tokens/s against the
 * memory-bandwidth bound measured in the same run, batched tokens/s at 8 and 32, the cost of 32
 * distinct rank-16 adapters in a batch of 32, and our tokens/s over Jlama's and PyTorch's. {@code
 * -Dlorafleet.bench.quick=true} shortens every measurement (for a smoke run).
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Path model = BenchData.model(DType.F32);
    BenchData.model(DType.BF16);
    for (int a = 0; a < 32; a++) {
      BenchData.adapter(model, a); // generated here once, not raced by forks
    }
    Collection<RunResult> memory = run(CopyBandwidthBenchmark.class, List.of());
    double bandwidth = score(memory, "copy") * CopyBandwidthBenchmark.bytesPerOp();
    double readBandwidth = score(memory, "read") * CopyBandwidthBenchmark.readBytesPerOp();
    long bytesPerToken = DecodeBenchmark.weightBytesPerToken("F32");
    Collection<RunResult> base =
        run(DecodeBenchmark.class, List.<String[]>of(new String[] {"batch", "1", "8", "32"}));
    Collection<RunResult> lora =
        run(
            DecodeBenchmark.class,
            List.of(new String[] {"batch", "32"}, new String[] {"adapters", "32"}));
    Collection<RunResult> bf16 =
        run(
            DecodeBenchmark.class,
            List.of(new String[] {"batch", "1"}, new String[] {"dtype", "BF16"}));
    long bf16BytesPerToken = DecodeBenchmark.weightBytesPerToken("BF16");
    Collection<RunResult> peers = run(PeerBenchmark.class, List.of());

    double single = tokensPerSecond(base, "1");
    double bound = bandwidth / bytesPerToken;
    double b32 = tokensPerSecond(base, "32");
    double l32 = tokensPerSecond(lora, "32");
    StringBuilder out = new StringBuilder("\n== Lorafleet engine decode report ==\n");
    line(out, "copy bandwidth (all cores)", "%.2f GB/s", bandwidth / 1e9);
    line(out, "read bandwidth (all cores)", "%.2f GB/s", readBandwidth / 1e9);
    line(out, "weight bytes per token (fp32)", "%.1f MB", bytesPerToken / 1e6);
    line(out, "bandwidth bound, single stream", "%.1f tokens/s", bound);
    line(
        out,
        "single stream",
        "%.1f tokens/s = %.0f%% of the bound (target >= 60%%)",
        single,
        100 * single / bound);
    line(
        out,
        "single stream vs read-bandwidth bound",
        "%.0f%% of %.1f tokens/s",
        100 * single * bytesPerToken / readBandwidth,
        readBandwidth / bytesPerToken);
    double singleBf16 = tokensPerSecond(bf16, "1");
    line(
        out,
        "single stream, bf16 weights",
        "%.1f tokens/s = %.0f%% of its bound (%.1f tokens/s)",
        singleBf16,
        100 * singleBf16 * bf16BytesPerToken / bandwidth,
        bandwidth / bf16BytesPerToken);
    line(out, "batch 8", "%.1f tokens/s", tokensPerSecond(base, "8"));
    line(out, "batch 32, base model", "%.1f tokens/s", b32);
    line(
        out,
        "batch 32, 32 distinct r16 adapters",
        "%.1f tokens/s = %.1f%% cost (target <= 15%%)",
        l32,
        100 * (1 - l32 / b32));
    for (String peer : List.of("jlama", "pytorch")) {
      List<RunResult> r =
          peers.stream().filter(x -> peer.equals(x.getParams().getParam("peer"))).toList();
      if (r.isEmpty()) {
        line(out, peer, "did not run (see the JMH log above for its error)");
      } else {
        double theirs = r.getFirst().getPrimaryResult().getScore();
        line(
            out,
            peer + ", single stream",
            "%.1f tokens/s; ours / theirs = %.2f",
            theirs,
            single / theirs);
      }
    }
    System.out.println(out);
  }

  private static void line(StringBuilder out, String what, String fmt, Object... args) {
    out.append(String.format(Locale.ROOT, "%-38s " + fmt + "%n", prepend(what, args)));
  }

  private static Object[] prepend(String first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static double tokensPerSecond(Collection<RunResult> results, String batch) {
    for (RunResult r : results) {
      if (batch.equals(r.getParams().getParam("batch"))) {
        return r.getPrimaryResult().getScore() * Integer.parseInt(batch);
      }
    }
    return Double.NaN;
  }

  private static double score(Collection<RunResult> results, String method) {
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().endsWith("." + method)) {
        return r.getPrimaryResult().getScore();
      }
    }
    return Double.NaN;
  }

  private static Collection<RunResult> run(Class<?> benchmark, List<String[]> params)
      throws RunnerException {
    ChainedOptionsBuilder b =
        new OptionsBuilder().include(benchmark.getName() + ".*").shouldFailOnError(false);
    for (String[] p : params) {
      b.param(p[0], java.util.Arrays.copyOfRange(p, 1, p.length));
    }
    if (Boolean.getBoolean("lorafleet.bench.quick")) {
      b.warmupIterations(1)
          .warmupTime(TimeValue.seconds(2))
          .measurementIterations(2)
          .measurementTime(TimeValue.seconds(2));
    }
    try {
      return new Runner(b.build()).run();
    } catch (RunnerException e) {
      System.err.println(benchmark.getSimpleName() + " failed: " + e.getMessage());
      return new ArrayList<>();
    }
  }
}
