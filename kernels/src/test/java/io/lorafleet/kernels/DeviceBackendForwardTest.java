package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine's model on the {@link DeviceBackend} over the host build, against the same model on
 * the CPU backend: a mixed-adapter prefill batch, then decode steps mixing adapters and the base
 * model, for two random model families (GQA Llama; Qwen2 with QKV bias, tied head, multi-query).
 */
class DeviceBackendForwardTest {
  /** Logits relative to their scale; the fp32 kernels differ only in summation order. */
  private static final double BOUND = 1e-5;

  @TempDir static Path tmp;
  private static Device device;
  private static CpuBackend cpu;

  @BeforeAll
  static void open() {
    device = HostDevice.openFromProperty();
    cpu = new CpuBackend(2);
  }

  @AfterAll
  static void close() {
    device.close();
    cpu.close();
  }

  /**
   * Runs this class's cases on {@code d} instead of the host build ({@link GpuParityTest}); returns
   * the device it replaces, which the caller puts back before {@link #close()}.
   */
  static Device useDevice(Device d) {
    Device previous = device;
    device = d;
    return previous;
  }

  static AdapterTable adapters(LlamaModel model, String name) throws Exception {
    List<TestAdapterGenerator.Spec> specs =
        List.of(
            TestAdapterGenerator.Spec.simple(
                8, 16, List.of("q_proj", "k_proj", "v_proj", "o_proj"), 1),
            new TestAdapterGenerator.Spec(
                16,
                32,
                List.of("gate_proj", "up_proj", "down_proj", "v_proj"),
                Map.of("up_proj", 4),
                Map.of(),
                true,
                DType.BF16,
                2),
            TestAdapterGenerator.Spec.simple(2, 4, List.of("down_proj"), 3));
    AdapterTable table = AdapterTable.empty(model.config().numHiddenLayers());
    for (int i = 0; i < specs.size(); i++) {
      Path dir = tmp.resolve(name + "-a" + i);
      TestAdapterGenerator.write(specs.get(i), model.config(), dir);
      table = table.with(LoadedAdapter.of("a" + i, PeftAdapterReader.read(dir), model.config()));
    }
    return table;
  }

  /** Runs the same steps on a model; returns the logits of every step, concatenated. */
  static List<float[]> run(LlamaModel m, AdapterTable a, List<int[]> prompts, int[] slots) {
    int blockSize = 4;
    int decodeSteps = 3;
    PagedKvCache cache = m.newCache(64, blockSize);
    int seqs = prompts.size();
    int[][] tables = new int[seqs][];
    for (int s = 0; s < seqs; s++) {
      tables[s] = new int[(prompts.get(s).length + decodeSteps + blockSize - 1) / blockSize];
      for (int b = 0; b < tables[s].length; b++) {
        tables[s][b] = cache.allocate();
      }
    }
    List<Integer> tok = new ArrayList<>();
    List<Integer> seqOf = new ArrayList<>();
    List<Integer> pos = new ArrayList<>();
    List<Integer> slotOf = new ArrayList<>();
    for (int s = 0; s < seqs; s++) {
      for (int p = 0; p < prompts.get(s).length; p++) {
        tok.add(prompts.get(s)[p]);
        seqOf.add(s);
        pos.add(p);
        slotOf.add(slots[s]);
      }
    }
    int rows = tok.size();
    int[] all = new int[rows];
    Arrays.setAll(all, i -> i);
    List<float[]> logits = new ArrayList<>();
    logits.add(
        m.forward(
            new ForwardBatch(
                ints(tok),
                new AttentionLayout(ints(seqOf), ints(pos), tables, blockSize),
                ints(slotOf),
                all,
                false),
            a,
            cache));
    int vocab = m.config().vocabSize();
    int[] next = new int[seqs];
    for (int s = 0; s < seqs; s++) {
      next[s] = (prompts.get(s)[0] * 31 + 7) % vocab;
    }
    for (int step = 0; step < decodeSteps; step++) {
      int[] seqIdx = new int[seqs];
      int[] positions = new int[seqs];
      int[] logitRows = new int[seqs];
      for (int s = 0; s < seqs; s++) {
        seqIdx[s] = s;
        positions[s] = prompts.get(s).length + step;
        logitRows[s] = s;
      }
      float[] l =
          m.forward(
              new ForwardBatch(
                  next.clone(),
                  new AttentionLayout(seqIdx, positions, tables, blockSize),
                  slots.clone(),
                  logitRows,
                  true),
              a,
              cache);
      logits.add(l);
      for (int s = 0; s < seqs; s++) {
        next[s] = (next[s] * 17 + step + s) % vocab; // fixed continuation, same on both sides
      }
    }
    return logits;
  }

  static int[] ints(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"llamaGqa", "qwen2TiedBias", "llamaGqaBf16"})
  void forwardPassWithMixedAdaptersEqualsTheCpuBackend(String family) throws Exception {
    forwardPassOn(device, family);
  }

  /** The mixed-adapter prefill and decode steps on {@code dev} against the CPU backend. */
  void forwardPassOn(Device dev, String family) throws Exception {
    // llamaGqaBf16: bf16 safetensors kept as bf16 on the CPU, widened once on the device.
    TestModelSpec spec =
        switch (family) {
          case "llamaGqa" -> TestModelSpec.llamaGqa();
          case "llamaGqaBf16" -> TestModelSpec.llamaGqa().withDtype(DType.BF16);
          default -> TestModelSpec.qwen2TiedBias();
        };
    LlamaModel onCpu =
        LlamaModel.load(
            TestModelGenerator.write(spec, tmp.resolve(family)), WeightPrecision.AS_STORED, cpu);
    AdapterTable table = adapters(onCpu, family);
    Random rnd = new Random(5);
    int[] slots = {2, -1, 0, 1, 0, -1, 1};
    List<int[]> prompts = new ArrayList<>();
    for (int s = 0; s < slots.length; s++) {
      int[] p = new int[1 + rnd.nextInt(9)]; // includes one-token prompts
      Arrays.setAll(p, i -> rnd.nextInt(onCpu.config().vocabSize()));
      prompts.add(p);
    }
    prompts.set(1, new int[] {42}); // sequence length 1
    try (DeviceBackend backend = new DeviceBackend(dev)) {
      LlamaModel onDevice = new LlamaModel(onCpu.config(), onCpu.weights(), backend);
      long start = System.nanoTime();
      List<float[]> got = run(onDevice, table, prompts, slots);
      long ms = (System.nanoTime() - start) / 1_000_000;
      List<float[]> want = run(onCpu, table, prompts, slots);
      for (int step = 0; step < want.size(); step++) {
        String what = family + (step == 0 ? " prefill" : " decode step " + step);
        double err = Parity.relativeError(got.get(step), want.get(step));
        System.out.printf("[forward] %-32s max rel err %.3e%n", what, err);
        assertThat(err).as(what).isLessThan(BOUND);
      }
      System.out.printf("[forward] %s on the host build: %d ms%n", family, ms);
      assertThat(backend.residentBuffers()).isPositive();
    }
  }

  @Test
  void aWrongLoraKernelBreaksTheForwardComparison() throws Exception {
    LlamaModel onCpu =
        LlamaModel.load(
            TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("wrong")),
            WeightPrecision.F32,
            cpu);
    AdapterTable table = adapters(onCpu, "wrong");
    List<int[]> prompts = List.of(new int[] {5, 6, 7}, new int[] {9, 10});
    int[] slots = {0, -1};
    Device wrong =
        new RenamingDevice(device, Map.of("bgmv_shrink_f32", "test_wrong_bgmv_shrink_f32"));
    try (DeviceBackend backend = new DeviceBackend(wrong)) {
      LlamaModel onDevice = new LlamaModel(onCpu.config(), onCpu.weights(), backend);
      List<float[]> got = run(onDevice, table, prompts, slots);
      List<float[]> want = run(onCpu, table, prompts, slots);
      // Prefill uses SGMV (correct here), decode uses the broken BGMV shrink.
      assertThat(Parity.relativeError(got.get(0), want.get(0))).isLessThan(BOUND);
      double err = Parity.relativeError(got.get(1), want.get(1));
      System.out.printf("[forward] wrong bgmv_shrink: decode max rel err %.3e%n", err);
      assertThat(err).isGreaterThan(BOUND);
    }
  }

  @Test
  void longContextAttentionTakesTheFlashDecodingPath() {
    // 700 positions > Kernels.ATTENTION_PARTITION: DeviceBackend sends this through partitions.
    int blockSize = 16;
    int len = 700;
    int blocks = Kernels.ceil(len, blockSize);
    PagedKvCache cache = new PagedKvCache(1, blocks, blockSize, 2, 32);
    Random rnd = new Random(8);
    System.arraycopy(
        Parity.random(rnd, cache.keys(0).length, 1f), 0, cache.keys(0), 0, cache.keys(0).length);
    System.arraycopy(
        Parity.random(rnd, cache.values(0).length, 1f),
        0,
        cache.values(0),
        0,
        cache.values(0).length);
    int[][] tables = {new int[blocks]};
    for (int b = 0; b < blocks; b++) {
      tables[0][b] = blocks - 1 - b; // reversed, so block order matters
    }
    AttentionLayout layout =
        new AttentionLayout(new int[] {0, 0}, new int[] {len - 1, 300}, tables, blockSize);
    float[] q = Parity.random(rnd, 2 * 6 * 32, 1f);
    float[] want = new float[q.length];
    cpu.attention(q, 6, cache, 0, layout, 0.25f, want);
    float[] got = new float[q.length];
    try (DeviceBackend backend = new DeviceBackend(device)) {
      backend.attention(q, 6, cache, 0, layout, 0.25f, got);
    }
    Parity.check("DeviceBackend attention, 700 positions", Precision.F32, got, want);
  }

  @Test
  void bf16WeightsAreWidenedExactly() {
    Random rnd = new Random(1);
    int out = 37;
    int in = 70;
    int tokens = 5;
    float[] w = Parity.random(Precision.BF16, rnd, out * in, 1f);
    short[] bits = new short[w.length];
    for (int i = 0; i < w.length; i++) {
      bits[i] = Parity.toBf16(w[i]);
    }
    float[] x = Parity.random(rnd, tokens * in, 1f);
    float[] bias = Parity.random(rnd, out, 1f);
    float[] want = new float[tokens * out];
    cpu.matmul(x, tokens, Weights.bf16(out, in, bits), bias, want);
    float[] got = new float[tokens * out];
    try (DeviceBackend backend = new DeviceBackend(device)) {
      backend.matmul(x, tokens, Weights.bf16(out, in, bits), bias, got);
    }
    Parity.check("matmul (bf16 weights, fp32 compute)", Precision.F32, got, want);
  }
}
