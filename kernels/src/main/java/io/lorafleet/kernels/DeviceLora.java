package io.lorafleet.kernels;

import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.LoraPair;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link DeviceBackend}'s multi-LoRA operations: the host-array SGMV/BGMV shrink and expand over
 * slot pools kept per {@code pairs} array ({@link DeviceMemory}), and the resident form's slot
 * pools per layer and module key ({@link LoraSlots}), synced from the adapter table and read by the
 * step's BGMV (decode, logit rows) or SGMV (prefill) kernels.
 */
final class DeviceLora {
  private static final Precision P = Precision.F32;

  private final Device device;
  private final Kernels kernels;
  private final DeviceMemory mem;
  private final Map<Integer, LoraSlots> loraPools = new HashMap<>();

  DeviceLora(Device device, Kernels kernels, DeviceMemory mem) {
    this.device = device;
    this.kernels = kernels;
    this.mem = mem;
  }

  void sgmvShrink(float[] x, int in, AdapterGroups groups, LoraPair[] pairs, float[] v, int rMax) {
    int tokens = groups.tokens();
    long pv = mem.temp(4L * tokens * rMax);
    if (outOf(pairs) == 0) {
      device.zero(pv, 4L * tokens * rMax);
    } else {
      AdapterGroups g = clampGroups(groups, pairs.length);
      DeviceMemory.SlotPool pool = mem.pool(pairs, rMax, in, outOf(pairs));
      kernels.sgmvShrink(
          P,
          mem.in(x, tokens * in),
          pool.a(),
          pool.ranks(),
          mem.in(g.tokIdxSorted()),
          mem.in(g.slotStart()),
          mem.in(g.slotIds()),
          g.slotIds().length,
          maxGroup(g),
          pv,
          tokens,
          in,
          rMax);
    }
    mem.out(pv, v, tokens * rMax);
    mem.release();
  }

  void sgmvExpand(float[] v, int rMax, AdapterGroups groups, LoraPair[] pairs, float[] y, int out) {
    if (outOf(pairs) == 0) {
      return;
    }
    int tokens = groups.tokens();
    AdapterGroups g = clampGroups(groups, pairs.length);
    DeviceMemory.SlotPool pool = mem.pool(pairs, rMax, inOf(pairs), out);
    long py = mem.in(y, tokens * out);
    kernels.sgmvExpand(
        P,
        mem.in(v, tokens * rMax),
        pool.b(),
        pool.ranks(),
        mem.in(g.tokIdxSorted()),
        mem.in(g.slotStart()),
        mem.in(g.slotIds()),
        g.slotIds().length,
        maxGroup(g),
        py,
        out,
        rMax);
    mem.out(py, y, tokens * out);
    mem.release();
  }

  /** Drops groups whose slot is beyond the pool (the CPU backend treats them as no adapter). */
  private static AdapterGroups clampGroups(AdapterGroups g, int slots) {
    boolean inside = true;
    for (int s : g.slotIds()) {
      inside &= s < slots;
    }
    return inside ? g : AdapterGroups.of(clampSlots(g.slotOfRow(), slots));
  }

  private static int maxGroup(AdapterGroups g) {
    int max = 0;
    for (int i = 0; i < g.slotIds().length; i++) {
      max = Math.max(max, g.slotStart()[i + 1] - g.slotStart()[i]);
    }
    return max;
  }

  void bgmvShrink(float[] x, int in, int[] slotOfRow, LoraPair[] pairs, float[] v, int rMax) {
    int rows = slotOfRow.length;
    long pv = mem.temp(4L * rows * rMax);
    if (outOf(pairs) == 0) {
      device.zero(pv, 4L * rows * rMax);
    } else {
      DeviceMemory.SlotPool pool = mem.pool(pairs, rMax, in, outOf(pairs));
      kernels.bgmvShrink(
          P,
          mem.in(x, rows * in),
          pool.a(),
          pool.ranks(),
          mem.in(clampSlots(slotOfRow, pairs.length)),
          pv,
          rows,
          in,
          rMax);
    }
    mem.out(pv, v, rows * rMax);
    mem.release();
  }

  void bgmvExpand(float[] v, int rMax, int[] slotOfRow, LoraPair[] pairs, float[] y, int out) {
    if (outOf(pairs) == 0) {
      return;
    }
    int rows = slotOfRow.length;
    DeviceMemory.SlotPool pool = mem.pool(pairs, rMax, inOf(pairs), out);
    long py = mem.in(y, rows * out);
    kernels.bgmvExpand(
        P,
        mem.in(v, rows * rMax),
        pool.b(),
        pool.ranks(),
        mem.in(clampSlots(slotOfRow, pairs.length)),
        py,
        rows,
        out,
        rMax);
    mem.out(py, y, rows * out);
    mem.release();
  }

  /** Makes the slot pool of {@code key} hold {@code pairs} (see {@code Backend#syncLora}). */
  void sync(int key, LoraPair[] pairs, int rMax) {
    LoraSlots pool = loraPools.get(key);
    if (rMax == 0 || outOf(pairs) == 0) {
      if (pool != null) {
        pool.free(device);
        loraPools.remove(key);
      }
      return;
    }
    int in = inOf(pairs);
    int out = outOf(pairs);
    if (pool == null || !pool.fits(pairs.length, rMax, in, out)) {
      if (pool != null) {
        pool.free(device);
      }
      pool = LoraSlots.allocate(device, pairs.length, rMax, in, out);
      loraPools.put(key, pool);
    }
    pool.sync(device, pairs);
  }

  private LoraSlots slots(int key, DeviceStep step, boolean logitRows) {
    LoraSlots pool = loraPools.get(key);
    if (pool == null) {
      throw new IllegalStateException("no LoRA slot pool for key " + key + ": syncLora first");
    }
    int maxSlot = logitRows ? step.maxLogitSlot() : step.maxSlot();
    if (maxSlot >= pool.slots()) {
      throw new IllegalArgumentException(
          "a row uses adapter slot " + maxSlot + " but the table has " + pool.slots() + " slots");
    }
    return pool;
  }

  /** {@code v = x · Aᵀ} for a resident step: BGMV for decode and logit rows, else SGMV. */
  void shrink(long x, int in, DeviceStep s, boolean logitRows, int key, long v, int rMax) {
    LoraSlots pool = slots(key, s, logitRows);
    if (logitRows || s.decode()) {
      kernels.bgmvShrink(
          P,
          x,
          pool.a(),
          pool.ranks(),
          logitRows ? s.logitSlots() : s.slotOfRow(),
          v,
          logitRows ? s.logitRows() : s.rows(),
          in,
          rMax);
    } else {
      kernels.sgmvShrink(
          P,
          x,
          pool.a(),
          pool.ranks(),
          s.tokIdxSorted(),
          s.slotStart(),
          s.slotIds(),
          s.groups(),
          s.maxGroupRows(),
          v,
          s.rows(),
          in,
          rMax);
    }
  }

  /** {@code y += v · Bᵀ} for a resident step: BGMV for decode and logit rows, else SGMV. */
  void expand(long v, int rMax, DeviceStep s, boolean logitRows, int key, long y, int out) {
    LoraSlots pool = slots(key, s, logitRows);
    if (logitRows || s.decode()) {
      kernels.bgmvExpand(
          P,
          v,
          pool.b(),
          pool.ranks(),
          logitRows ? s.logitSlots() : s.slotOfRow(),
          y,
          logitRows ? s.logitRows() : s.rows(),
          out,
          rMax);
    } else {
      kernels.sgmvExpand(
          P,
          v,
          pool.b(),
          pool.ranks(),
          s.tokIdxSorted(),
          s.slotStart(),
          s.slotIds(),
          s.groups(),
          s.maxGroupRows(),
          y,
          out,
          rMax);
    }
  }

  static int outOf(LoraPair[] pairs) {
    for (LoraPair p : pairs) {
      if (p != null) {
        return p.out();
      }
    }
    return 0;
  }

  static int inOf(LoraPair[] pairs) {
    for (LoraPair p : pairs) {
      if (p != null) {
        return p.in();
      }
    }
    return 0;
  }

  /** Rows whose slot is beyond the pool behave as "no adapter", as in the CPU backend. */
  private static int[] clampSlots(int[] slotOfRow, int slots) {
    int[] s = slotOfRow.clone();
    for (int i = 0; i < s.length; i++) {
      if (s[i] >= slots) {
        s[i] = -1;
      }
    }
    return s;
  }

  /** Slot pools held for the resident form. */
  int residentBuffers() {
    return loraPools.size();
  }

  void freeAll() {
    for (LoraSlots p : loraPools.values()) {
      p.free(device);
    }
    loraPools.clear();
  }
}
