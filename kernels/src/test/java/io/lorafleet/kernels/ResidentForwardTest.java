package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model's forward pass keeps its state on the device: what crosses per decode step, and LoRA
 * slot pools that follow adapter loads and evictions (host build, counted by {@link
 * CountingDevice}).
 */
class ResidentForwardTest {
  @TempDir static Path tmp;
  private static HostDevice host;
  private static CpuBackend cpu;

  @BeforeAll
  static void open() {
    host = HostDevice.openFromProperty();
    cpu = new CpuBackend(1);
  }

  @AfterAll
  static void close() {
    host.close();
    cpu.close();
  }

  /** A decode step of {@code slots.length} sequences at position {@code pos} (one block each). */
  private static float[] decode(
      LlamaModel m, AdapterTable a, PagedKvCache cache, int[] slots, int pos) {
    int n = slots.length;
    int[] tokens = new int[n];
    int[] seqOf = new int[n];
    int[] positions = new int[n];
    int[][] tables = new int[n][];
    for (int i = 0; i < n; i++) {
      tokens[i] = (7 * i + pos) % m.config().vocabSize();
      seqOf[i] = i;
      positions[i] = pos;
      tables[i] = new int[] {i};
    }
    int[] logitRows = seqOf.clone();
    return m.forward(
        new ForwardBatch(
            tokens,
            new AttentionLayout(seqOf, positions, tables, cache.blockSize()),
            slots.clone(),
            logitRows,
            true),
        a,
        cache);
  }

  private static LlamaModel tiny(String name) throws Exception {
    TestModelSpec spec =
        new TestModelSpec(
            "LlamaForCausalLM",
            32,
            48,
            1,
            2,
            1,
            260,
            false,
            10000,
            Optional.empty(),
            1e-5,
            DType.F32,
            3);
    return LlamaModel.load(
        TestModelGenerator.write(spec, tmp.resolve(name)), WeightPrecision.F32, cpu);
  }

  private static LoadedAdapter adapter(LlamaModel m, String name, int rank, long seed) {
    return LoadedAdapter.of(
        name,
        TestAdapterGenerator.generate(
            TestAdapterGenerator.Spec.simple(
                rank, 2 * rank, List.of("q_proj", "v_proj", "down_proj"), seed),
            m.config()),
        m.config());
  }

  @Test
  void aDecodeStepCopiesTheStepInputsInAndTheLogitsOutAndAllocatesNothing() throws Exception {
    LlamaModel onCpu =
        LlamaModel.load(
            TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("copies")),
            WeightPrecision.F32,
            cpu);
    AdapterTable table =
        AdapterTable.empty(onCpu.config().numHiddenLayers())
            .with(adapter(onCpu, "a0", 8, 1))
            .with(adapter(onCpu, "a1", 16, 2))
            .with(adapter(onCpu, "a2", 4, 3));
    CountingDevice device = new CountingDevice(host);
    try (DeviceBackend backend = new DeviceBackend(device)) {
      LlamaModel m = new LlamaModel(onCpu.config(), onCpu.weights(), backend);
      PagedKvCache cache = m.newCache(8, 16);
      int[] slots = {2, -1, 0, 1};
      decode(m, table, cache, slots, 0); // first step: weights, pools, workspaces, cache
      device.reset();
      float[] logits = decode(m, table, cache, slots, 1);
      System.out.printf(
          "[resident] decode step: %d uploads, %d downloads, %d allocs, %d launches%n",
          device.uploads, device.downloads, device.allocs, device.launches);
      assertThat(device.uploads).as("host-to-device copies").isEqualTo(1);
      assertThat(device.downloads).as("device-to-host copies").isEqualTo(1);
      assertThat(device.allocs).as("allocations").isZero();
      assertThat(device.frees).as("frees").isZero();
      assertThat(logits).hasSize(slots.length * m.config().vocabSize());
    }
  }

  @Test
  void loadingAndEvicting1000AdaptersReturnsDeviceMemoryToItsStart() throws Exception {
    LlamaModel onCpu = tiny("churn");
    int resident = 4;
    CountingDevice device = new CountingDevice(host);
    try (DeviceBackend backend = new DeviceBackend(device)) {
      LlamaModel m = new LlamaModel(onCpu.config(), onCpu.weights(), backend);
      PagedKvCache cache = m.newCache(resident, 4);
      int layers = m.config().numHiddenLayers();
      // Warm-up grows the workspaces to the largest rank used below, then leaves no adapter.
      AdapterTable table = AdapterTable.empty(layers).with(adapter(m, "warm", 8, 1));
      decode(m, table, cache, new int[] {0, -1, -1, -1}, 0);
      table = table.without("warm");
      decode(m, table, cache, new int[] {-1, -1, -1, -1}, 0);
      long start = device.liveBytes();

      Deque<String> loaded = new ArrayDeque<>();
      long peakEarly = 0;
      long peak = 0;
      for (int i = 0; i < 1000; i++) {
        if (loaded.size() == resident) {
          table = table.without(loaded.removeFirst());
        }
        String name = "a" + i;
        table = table.with(adapter(m, name, i % 3 == 0 ? 8 : 4, i));
        loaded.addLast(name);
        int[] slots = new int[resident];
        for (int s = 0; s < resident; s++) {
          slots[s] = s < table.size() && table.adapter(s) != null ? s : -1;
        }
        // Every change reaches the device pools; every 100th also runs a step on them.
        m.syncAdapters(table);
        if (i % 100 == 99) {
          decode(m, table, cache, slots, 0);
        }
        peak = Math.max(peak, device.liveBytes());
        if (i < 10) {
          peakEarly = peak;
        }
      }
      // The pools now hold the last four adapters, written slot by slot: same logits as the CPU.
      int[] slots = {0, 1, 2, 3};
      float[] got = decode(m, table, cache, slots, 1);
      PagedKvCache cpuCache = onCpu.newCache(resident, 4);
      decode(onCpu, table, cpuCache, slots, 0);
      float[] want = decode(onCpu, table, cpuCache, slots, 1);
      assertThat(Parity.relativeError(got, want)).isLessThan(1e-5);

      for (String name : loaded) {
        table = table.without(name);
        m.syncAdapters(table);
      }
      System.out.printf(
          "[resident] 1000 adapters: start %d B, peak %d B (after 10: %d B), end %d B%n",
          start, peak, peakEarly, device.liveBytes());
      assertThat(peak)
          .as("pools do not grow with the number of adapters seen")
          .isEqualTo(peakEarly);
      assertThat(device.liveBytes()).as("device memory after evicting all").isEqualTo(start);
    }
  }
}
