package io.lorafleet.bench;

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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * STREAM-style copy of 256 MiB (far beyond the caches) split over all cores, as the engine's decode
 * is; bandwidth = 2 × 256 MiB × ops/s (every byte is read once and written once). Also a read-only
 * pass, the access pattern of decode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class CopyBandwidthBenchmark {
  public static final int FLOATS = 64 << 20; // 256 MiB
  private float[] src;
  private float[] dst;
  private ExecutorService pool;
  private int threads;

  @Setup(Level.Trial)
  public void setup() {
    src = new float[FLOATS];
    dst = new float[FLOATS];
    java.util.Arrays.fill(src, 1f);
    threads = Runtime.getRuntime().availableProcessors();
    pool = Executors.newFixedThreadPool(threads);
  }

  @Benchmark
  public float copy() throws Exception {
    int chunk = FLOATS / threads;
    Future<?>[] parts = new Future<?>[threads];
    for (int t = 0; t < threads; t++) {
      int from = t * chunk;
      int len = t == threads - 1 ? FLOATS - from : chunk;
      parts[t] = pool.submit(() -> System.arraycopy(src, from, dst, from, len));
    }
    for (Future<?> f : parts) {
      f.get();
    }
    return dst[FLOATS - 1];
  }

  /**
   * Reads the source once (a sum over all cores), the access pattern of decode, which streams the
   * weights and writes almost nothing; bandwidth = 256 MiB × ops/s.
   */
  @Benchmark
  public float read() throws Exception {
    int chunk = FLOATS / threads;
    List<Future<Float>> parts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int from = t * chunk;
      int len = t == threads - 1 ? FLOATS - from : chunk;
      parts.add(pool.submit(() -> sum(src, from, len)));
    }
    float s = 0;
    for (Future<Float> f : parts) {
      s += f.get();
    }
    return s;
  }

  private static float sum(float[] a, int from, int len) {
    var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
    var acc = jdk.incubator.vector.FloatVector.zero(species);
    int i = from;
    int end = from + species.loopBound(len);
    for (; i < end; i += species.length()) {
      acc = acc.add(jdk.incubator.vector.FloatVector.fromArray(species, a, i));
    }
    float s = acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    for (; i < from + len; i++) {
      s += a[i];
    }
    return s;
  }

  public static double readBytesPerOp() {
    return (double) FLOATS * Float.BYTES;
  }

  public static double bytesPerOp() {
    return 2.0 * FLOATS * Float.BYTES;
  }

  @TearDown(Level.Trial)
  public void close() {
    pool.shutdownNow();
  }
}
