package io.lorafleet.bench;

import io.lorafleet.engine.merge.AdapterMerger;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import io.lorafleet.engine.merge.MergeMethod;
import io.lorafleet.engine.merge.MergeSpec;
import java.util.List;
import java.util.OptionalInt;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@link AdapterMerger#merge} of the four {@link MergeData} sources (density 0.5, output rank
 * 16 for the SVD-based methods, seed 1) over the first {@code layers} layers, on all cores. The
 * adapters are generated in the trial setup; only the merge is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class MergeBenchmark {
  public static final double DENSITY = 0.5;

  @Param({"cat", "svd", "ties", "dare-linear", "dare-ties", "magnitude-prune"})
  public String method;

  @Param({"24"})
  public int layers;

  private List<Source> sources;
  private MergeSpec spec;

  @Setup(Level.Trial)
  public void setup() {
    sources = MergeData.sources(layers);
    spec = spec(MergeMethod.fromWireName(method));
  }

  static MergeSpec spec(MergeMethod m) {
    return new MergeSpec(
        m,
        DENSITY,
        MajoritySign.TOTAL,
        m.exact() ? OptionalInt.empty() : OptionalInt.of(MergeData.RANK),
        1);
  }

  @Benchmark
  public AdapterMerger.Result merge() {
    return AdapterMerger.merge(sources, spec);
  }
}
