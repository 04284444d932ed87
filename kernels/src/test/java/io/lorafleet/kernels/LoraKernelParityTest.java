package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.LoraPair;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * BGMV and SGMV through the host build against the CPU backend: heterogeneous ranks, empty slots
 * (rank 0), rows without an adapter (slot -1), empty segments, one-row batches, odd sizes.
 */
class LoraKernelParityTest {
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

  /** A slot pool: pairs[slot] may be null (an empty slot, rank 0). */
  record Pool(LoraPair[] pairs, float[] a, float[] b, int[] ranks) {
    static Pool of(LoraPair[] pairs, int rMax, int in, int out) {
      PackedPool p = PackedPool.of(pairs, rMax, in, out);
      return new Pool(pairs, p.a(), p.b(), p.ranks());
    }
  }

  static Pool randomPool(Precision p, Random rnd, int[] ranks, int rMax, int in, int out) {
    LoraPair[] pairs = new LoraPair[ranks.length];
    for (int s = 0; s < ranks.length; s++) {
      pairs[s] = ranks[s] == 0 ? null : Parity.randomPair(p, rnd, ranks[s], in, out);
    }
    return Pool.of(pairs, rMax, in, out);
  }

  record Case(String name, int[] ranks, int rMax, int in, int out, int[] slotOfRow) {}

  static final Case[] CASES = {
    new Case("decode mixed", new int[] {8, 0, 3, 16}, 16, 96, 80, new int[] {0, -1, 2, 3, 1, 0, 3}),
    new Case("one row", new int[] {4}, 4, 64, 64, new int[] {0}),
    new Case("one row no adapter", new int[] {4}, 4, 64, 64, new int[] {-1}),
    new Case("odd sizes", new int[] {1, 5, 7}, 8, 67, 45, new int[] {2, 2, 0, -1, 1, 2, 1, 0, 0}),
    new Case("rank 64", new int[] {64, 2}, 64, 130, 33, new int[] {1, 0, 0, 1, -1}),
  };

  /** Runs shrink then expand on the device and on the CPU; returns {v, y} errors. */
  static void runBgmv(Device dev, Precision p, Case c, long seed) {
    Random rnd = new Random(seed);
    Pool pool = randomPool(p, rnd, c.ranks(), c.rMax(), c.in(), c.out());
    int rows = c.slotOfRow().length;
    float[] x = Parity.random(p, rnd, rows * c.in(), 1f);
    float[] y0 = Parity.random(p, rnd, rows * c.out(), 1f);

    float[] vRef = new float[rows * c.rMax()];
    cpu.bgmvShrink(x, c.in(), c.slotOfRow(), pool.pairs(), vRef, c.rMax());
    float[] yRef = y0.clone();
    cpu.bgmvExpand(vRef, c.rMax(), c.slotOfRow(), pool.pairs(), yRef, c.out());

    Kernels k = new Kernels(dev);
    long px = Parity.upload(dev, p, x);
    long pa = Parity.upload(dev, p, pool.a());
    long pb = Parity.upload(dev, p, pool.b());
    long pr = Parity.upload(dev, pool.ranks());
    long ps = Parity.upload(dev, c.slotOfRow());
    long pv =
        Parity.uploadF32(
            dev, Parity.random(rnd, rows * c.rMax(), 9f)); // garbage: must be overwritten
    long py = Parity.upload(dev, p, y0);
    k.bgmvShrink(p, px, pa, pr, ps, pv, rows, c.in(), c.rMax());
    k.bgmvExpand(p, pv, pb, pr, ps, py, rows, c.out(), c.rMax());
    float[] v = Parity.download(dev, Precision.F32, pv, rows * c.rMax());
    float[] y = Parity.download(dev, p, py, rows * c.out());
    Parity.free(dev, px, pa, pb, pr, ps, pv, py);
    // v is fp32 in both; its inputs are identical, so it meets the fp32 bound even for bf16
    // storage.
    Parity.check("bgmv_shrink " + c.name() + " (" + p + " in)", Precision.F32, v, vRef);
    Parity.check("bgmv_expand " + c.name(), p, y, yRef);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void bgmvMatchesTheCpuBackend(Precision p) {
    for (int i = 0; i < CASES.length; i++) {
      runBgmv(device, p, CASES[i], 100 + i);
    }
  }

  @Test
  void aWrongShrinkKernelIsCaught() {
    Device wrong =
        new RenamingDevice(device, Map.of("bgmv_shrink_f32", "test_wrong_bgmv_shrink_f32"));
    assertThatThrownBy(() -> runBgmv(wrong, Precision.F32, CASES[0], 100))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("bgmv_shrink");
  }

  static void runSgmv(Precision p, String name, AdapterGroups groups, Case c, long seed) {
    Random rnd = new Random(seed);
    Pool pool = randomPool(p, rnd, c.ranks(), c.rMax(), c.in(), c.out());
    int tokens = groups.tokens();
    float[] x = Parity.random(p, rnd, tokens * c.in(), 1f);
    float[] y0 = Parity.random(p, rnd, tokens * c.out(), 1f);

    float[] vRef = new float[tokens * c.rMax()];
    cpu.sgmvShrink(x, c.in(), groups, pool.pairs(), vRef, c.rMax());
    float[] yRef = y0.clone();
    cpu.sgmvExpand(vRef, c.rMax(), groups, pool.pairs(), yRef, c.out());

    int maxGroup = 0;
    for (int g = 0; g < groups.slotIds().length; g++) {
      maxGroup = Math.max(maxGroup, groups.slotStart()[g + 1] - groups.slotStart()[g]);
    }
    Kernels k = new Kernels(device);
    long px = Parity.upload(device, p, x);
    long pa = Parity.upload(device, p, pool.a());
    long pb = Parity.upload(device, p, pool.b());
    long pr = Parity.upload(device, pool.ranks());
    long pt = Parity.upload(device, groups.tokIdxSorted());
    long pst = Parity.upload(device, groups.slotStart());
    long pid = Parity.upload(device, groups.slotIds());
    long pv = Parity.uploadF32(device, Parity.random(rnd, tokens * c.rMax(), 9f));
    long py = Parity.upload(device, p, y0);
    int ng = groups.slotIds().length;
    k.sgmvShrink(p, px, pa, pr, pt, pst, pid, ng, maxGroup, pv, tokens, c.in(), c.rMax());
    k.sgmvExpand(p, pv, pb, pr, pt, pst, pid, ng, maxGroup, py, c.out(), c.rMax());
    float[] v = Parity.download(device, Precision.F32, pv, tokens * c.rMax());
    float[] y = Parity.download(device, p, py, tokens * c.out());
    Parity.free(device, px, pa, pb, pr, pt, pst, pid, pv, py);
    Parity.check("sgmv_shrink " + name + " (" + p + " in)", Precision.F32, v, vRef);
    Parity.check("sgmv_expand " + name, p, y, yRef);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void sgmvMatchesTheCpuBackend(Precision p) {
    Random rnd = new Random(7);
    // A prefill-like batch: 45 tokens over 4 slots (one empty) and rows without adapter, so some
    // groups span several 16-row tiles.
    int[] slots = new int[45];
    for (int t = 0; t < slots.length; t++) {
      slots[t] = rnd.nextInt(5) - 1;
    }
    Case c = new Case("prefill", new int[] {16, 4, 0, 9}, 16, 200, 72, slots);
    runSgmv(p, "prefill 45 tokens", AdapterGroups.of(slots), c, 1);

    Case one = new Case("one token", new int[] {3}, 4, 64, 40, new int[] {0});
    runSgmv(p, "one token", AdapterGroups.of(one.slotOfRow()), one, 2);

    Case none = new Case("no adapters", new int[] {3}, 4, 64, 40, new int[] {-1, -1, -1});
    runSgmv(p, "no adapters", AdapterGroups.of(none.slotOfRow()), none, 3);

    // Empty segments (two groups own no rows), ranks up to the tile limit, odd in/out.
    int[] rows = {0, 0, 1, -1, 1, 0};
    AdapterGroups withEmpty =
        new AdapterGroups(
            rows.length,
            rows,
            new int[] {0, 1, 5, 2, 4},
            new int[] {0, 0, 3, 3, 5},
            new int[] {1, 0, 2, 1});
    Case odd = new Case("empty segments", new int[] {64, 5, 2}, 64, 71, 19, rows);
    runSgmv(p, "empty segments, rank 64, odd", withEmpty, odd, 4);
  }

  @Test
  void sgmvRefusesRanksBeyondItsTiles() {
    Kernels k = new Kernels(device);
    assertThatThrownBy(() -> k.sgmvShrink(Precision.F32, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 8, 65))
        .hasMessageContaining("64");
    assertThat(Kernels.SGMV_MAX_RANK).isEqualTo(64);
  }
}
