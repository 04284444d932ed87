package io.lorafleet.bench;

import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.BaseMerger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Merge into base: {@link BaseMerger#mergeIntoCopy} of the four {@link MergeData} sources into a
 * BF16 Qwen2.5-0.5B-shaped model (one 0.99 GB safetensors file, generated once under {@link
 * BenchData#root()}), against copying that file once (the bytes a merged copy must read and write).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx10g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class MergeIntoBaseBenchmark {
  private Path model;
  private Path out;
  private List<Source> sources;

  /** The model directory, written on first use. */
  public static synchronized Path model() throws IOException {
    Path dir = BenchData.root().resolve("qwen25-0.5b-shape-bf16");
    if (!Files.exists(dir.resolve("model.safetensors"))) {
      MergeData.writeModel(dir);
    }
    return dir;
  }

  @Setup(Level.Trial)
  public void setup() throws IOException {
    model = model();
    sources = MergeData.sources(MergeData.QWEN25_0_5B.numHiddenLayers());
  }

  @Setup(Level.Iteration)
  public void target() throws IOException {
    out = Files.createTempDirectory(BenchData.root(), "merged").resolve("model");
  }

  @Benchmark
  public Path mergeIntoBase() throws IOException {
    BaseMerger.mergeIntoCopy(model, sources, out);
    return out;
  }

  @Benchmark
  public Path copyModel() throws IOException {
    Files.createDirectories(out);
    Files.copy(model.resolve("model.safetensors"), out.resolve("model.safetensors"));
    return out;
  }

  @TearDown(Level.Iteration)
  public void clean() throws IOException {
    try (Stream<Path> walk = Files.walk(out.getParent())) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
