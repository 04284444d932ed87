package io.lorafleet.bench;

import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import java.nio.file.Path;
import java.util.Arrays;
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
 * One decode step (one new token for each of {@code batch} sequences) of the SmolLM2-shaped model;
 * ops/s × batch is tokens/s. {@code adapters} distinct rank-16 adapters are spread over the rows (0
 * = base model only). Context starts at 16 tokens and wraps at 256 so every step attends to a
 * realistic, bounded context.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 4)
@Measurement(iterations = 3, time = 5)
public class DecodeBenchmark {
  static final int PROMPT = 16;
  static final int MAX_CONTEXT = 256;
  private static final int BLOCK = 16;

  @Param({"1", "8", "32"})
  public int batch;

  @Param({"0"})
  public int adapters;

  @Param({"F32"})
  public String dtype;

  private CpuBackend backend;
  private LlamaModel model;
  private AdapterTable table;
  private PagedKvCache cache;
  private int[][] blockTables;
  private int[] slots;
  private int[] tokens;
  private int position;

  @Setup(Level.Trial)
  public void load() throws Exception {
    backend = new CpuBackend();
    Path dir = BenchData.model(DType.valueOf(dtype));
    model = LlamaModel.load(dir, WeightPrecision.AS_STORED, backend);
    table = AdapterTable.empty(model.config().numHiddenLayers());
    for (int a = 0; a < adapters; a++) {
      table =
          table.with(
              LoadedAdapter.of(
                  "a" + a, PeftAdapterReader.read(BenchData.adapter(dir, a)), model.config()));
    }
    cache = model.newCache(batch * (MAX_CONTEXT / BLOCK), BLOCK);
    blockTables = new int[batch][MAX_CONTEXT / BLOCK];
    for (int[] t : blockTables) {
      Arrays.setAll(t, i -> cache.allocate());
    }
    slots = new int[batch];
    Arrays.setAll(slots, i -> adapters == 0 ? -1 : i % adapters);
    tokens = new int[batch];
  }

  /** Prefills every sequence with the same 16-token prompt (each on its own adapter). */
  @Setup(Level.Iteration)
  public void prefill() {
    int rows = batch * PROMPT;
    int[] ids = new int[rows];
    int[] seqOf = new int[rows];
    int[] pos = new int[rows];
    int[] rowSlots = new int[rows];
    int[] last = new int[batch];
    for (int r = 0; r < rows; r++) {
      ids[r] = (r * 7919) % model.config().vocabSize();
      seqOf[r] = r / PROMPT;
      pos[r] = r % PROMPT;
      rowSlots[r] = slots[r / PROMPT];
    }
    Arrays.setAll(last, i -> i * PROMPT + PROMPT - 1);
    model.forward(
        new ForwardBatch(
            ids, new AttentionLayout(seqOf, pos, blockTables, BLOCK), rowSlots, last, false),
        table,
        cache);
    position = PROMPT;
    Arrays.fill(tokens, 42);
  }

  @Benchmark
  public float[] decodeStep() {
    if (position == MAX_CONTEXT) {
      position = PROMPT; // reuse the cache: positions past PROMPT are simply rewritten
    }
    int[] seqOf = new int[batch];
    int[] pos = new int[batch];
    int[] rows = new int[batch];
    Arrays.setAll(seqOf, i -> i);
    Arrays.fill(pos, position);
    Arrays.setAll(rows, i -> i);
    float[] logits =
        model.forward(
            new ForwardBatch(
                tokens, new AttentionLayout(seqOf, pos, blockTables, BLOCK), slots, rows, true),
            table,
            cache);
    int vocab = model.config().vocabSize();
    for (int i = 0; i < batch; i++) {
      tokens[i] = backend.argmax(logits, i * vocab, vocab);
    }
    position++;
    return logits;
  }

  /** Weight bytes read per decode step (every matrix once, including the tied head). */
  public static long weightBytesPerToken(String dtype) throws Exception {
    try (CpuBackend b = new CpuBackend(1)) {
      return LlamaModel.load(BenchData.model(DType.valueOf(dtype)), WeightPrecision.AS_STORED, b)
          .weights()
          .bytesPerToken();
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    backend.close();
  }
}
