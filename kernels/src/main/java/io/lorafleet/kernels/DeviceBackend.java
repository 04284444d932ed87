package io.lorafleet.kernels;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.LoraPair;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.StepInputs;
import io.lorafleet.engine.backend.Tensor;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.Sampling;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine's {@link Backend} on a {@link Device}: on the host build in tests today, on a GPU once
 * a JCuda device exists. It keeps what lives across steps on the device, keyed by identity: weights
 * (uploaded on first use, bf16 widened to fp32), LoRA slot pools per {@code pairs} array and rank
 * bound, and a mirror of each layer of each KV cache. Activations cross per call, because the
 * {@link Backend} contract passes host arrays; a serving loop that keeps activations resident needs
 * a device-level API (not written yet).
 *
 * <p>Storage on the device is fp32 ({@link Precision#F32}); argmax and sampling run on the host
 * over the logits the contract already returns there (the CPU backend's {@link Sampling}). Not
 * thread-safe: one backend per worker, as one CUDA stream per worker.
 */
public final class DeviceBackend implements Backend {
  private static final Precision P = Precision.F32;

  private final Device device;
  private final Kernels kernels;
  private final boolean closesDevice;
  private final Map<Weights, Long> weights = new IdentityHashMap<>();
  private final Map<float[], Long> vectors = new IdentityHashMap<>();
  private final Map<LoraPair[], Map<Integer, SlotPool>> pools = new IdentityHashMap<>();
  private final Map<PagedKvCache, long[][]> caches = new IdentityHashMap<>();
  private final List<Long> scratch = new ArrayList<>();
  private final Set<Tensor> tensors = new HashSet<>();
  private final Map<Integer, LoraSlots> loraPools = new HashMap<>();
  private long stepBuffer;
  private int stepCapacity;

  /** A LoRA slot pool on the device: {@code a[slot][rMax][in]}, {@code b[slot][rMax][out]}. */
  private record SlotPool(long a, long b, long ranks, int in, int out) {}

  /** A backend on {@code device}, which the caller keeps and closes. */
  public DeviceBackend(Device device) {
    this(device, false);
  }

  /** A backend on {@code device}; with {@code closesDevice} its {@link #close()} closes it too. */
  public DeviceBackend(Device device, boolean closesDevice) {
    this.device = device;
    this.kernels = new Kernels(device);
    this.closesDevice = closesDevice;
  }

  @Override
  public String name() {
    return "device(" + device.name() + ")";
  }

  // ---- memory helpers -------------------------------------------------------------------------

  private long temp(long bytes) {
    long p = device.alloc(Math.max(4, bytes));
    scratch.add(p);
    return p;
  }

  private long in(float[] a, int n) {
    long p = temp(4L * n);
    if (n == a.length) {
      device.upload(p, a);
    } else {
      device.upload(p, java.util.Arrays.copyOf(a, n));
    }
    return p;
  }

  private long in(int[] a) {
    long p = temp(4L * a.length);
    device.upload(p, a);
    return p;
  }

  private void out(long p, float[] dst, int n) {
    if (n == dst.length) {
      device.download(p, dst);
    } else {
      float[] tmp = new float[n];
      device.download(p, tmp);
      System.arraycopy(tmp, 0, dst, 0, n);
    }
  }

  /** Frees the per-call buffers (called at the end of every operation). */
  private void release() {
    device.synchronize();
    for (long p : scratch) {
      device.free(p);
    }
    scratch.clear();
  }

  private long resident(Weights w) {
    return weights.computeIfAbsent(
        w,
        k -> {
          float[] v = k.dtype() == DType.F32 ? k.f32() : k.toF32Copy().f32();
          long p = device.alloc(4L * v.length);
          device.upload(p, v);
          return p;
        });
  }

  /** Small long-lived vectors (norm weights, biases, rope frequencies) by identity. */
  private long resident(float[] v) {
    return vectors.computeIfAbsent(
        v,
        k -> {
          long p = device.alloc(4L * k.length);
          device.upload(p, k);
          return p;
        });
  }

  private SlotPool pool(LoraPair[] pairs, int rMax, int in, int out) {
    return pools
        .computeIfAbsent(pairs, k -> new java.util.HashMap<>())
        .computeIfAbsent(
            rMax,
            r -> {
              PackedPool packed = PackedPool.of(pairs, r, in, out);
              float[] a = packed.a();
              float[] b = packed.b();
              int[] ranks = packed.ranks();
              int slots = pairs.length;
              long pa = device.alloc(4L * Math.max(1, a.length));
              long pb = device.alloc(4L * Math.max(1, b.length));
              long pr = device.alloc(4L * Math.max(1, slots));
              device.upload(pa, a);
              device.upload(pb, b);
              device.upload(pr, ranks);
              return new SlotPool(pa, pb, pr, in, out);
            });
  }

  private static int outOf(LoraPair[] pairs) {
    for (LoraPair p : pairs) {
      if (p != null) {
        return p.out();
      }
    }
    return 0;
  }

  private static int inOf(LoraPair[] pairs) {
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

  // ---- training -------------------------------------------------------------------------------

  @Override
  public boolean runsTraining() {
    return true;
  }

  /** Frozen weights stay resident (the base, uploaded once); others travel for this call only. */
  @Override
  public void matmulKn(float[] x, int rows, Weights w, float[] bias, float[] y, boolean frozen) {
    int k = w.rows();
    int n = w.cols();
    long px = in(x, rows * k);
    long pw;
    long pb;
    if (frozen) {
      pw = resident(w);
      pb = bias == null ? 0 : resident(bias);
    } else {
      pw = in(w.dtype() == DType.F32 ? w.f32() : w.toF32Copy().f32(), k * n);
      pb = bias == null ? 0 : in(bias, n);
    }
    long py = temp(4L * rows * n);
    kernels.matmulKn(P, px, pw, pb, py, rows, k, n);
    out(py, y, rows * n);
    release();
  }

  @Override
  public void adamW(
      float[] p,
      float[] g,
      float[] m,
      float[] v,
      float lr,
      float beta1,
      float beta2,
      float eps,
      float weightDecay,
      int step) {
    int n = p.length;
    long pp = in(p, n);
    long pm = in(m, n);
    long pv = in(v, n);
    kernels.adamw(pp, in(g, n), pm, pv, n, lr, beta1, beta2, eps, weightDecay, step);
    out(pp, p, n);
    out(pm, m, n);
    out(pv, v, n);
    release();
  }

  // ---- operations -----------------------------------------------------------------------------

  @Override
  public void matmul(float[] x, int tokens, Weights w, float[] bias, float[] y) {
    int in = w.cols();
    int out = w.rows();
    long px = in(x, tokens * in);
    long py = temp(4L * tokens * out);
    kernels.matmul(P, px, resident(w), bias == null ? 0 : resident(bias), py, tokens, in, out);
    out(py, y, tokens * out);
    release();
  }

  /** One upload of x, one matmul launch per slice (a GPU device would batch them in cuBLAS). */
  @Override
  public void matmulSlices(float[] x, int tokens, Weights[] ws, float[][] biases, float[][] ys) {
    int in = ws[0].cols();
    long px = in(x, tokens * in);
    for (int j = 0; j < ws.length; j++) {
      if (ws[j].cols() != in) {
        throw new IllegalArgumentException("slices must share the input width");
      }
      int out = ws[j].rows();
      long py = temp(4L * tokens * out);
      long bias = biases[j] == null ? 0 : resident(biases[j]);
      kernels.matmul(P, px, resident(ws[j]), bias, py, tokens, in, out);
      out(py, ys[j], tokens * out);
    }
    release();
  }

  @Override
  public void sgmvShrink(
      float[] x, int in, AdapterGroups groups, LoraPair[] pairs, float[] v, int rMax) {
    int tokens = groups.tokens();
    long pv = temp(4L * tokens * rMax);
    if (outOf(pairs) == 0) {
      device.zero(pv, 4L * tokens * rMax);
    } else {
      AdapterGroups g = clampGroups(groups, pairs.length);
      SlotPool pool = pool(pairs, rMax, in, outOf(pairs));
      kernels.sgmvShrink(
          P,
          in(x, tokens * in),
          pool.a(),
          pool.ranks(),
          in(g.tokIdxSorted()),
          in(g.slotStart()),
          in(g.slotIds()),
          g.slotIds().length,
          maxGroup(g),
          pv,
          tokens,
          in,
          rMax);
    }
    out(pv, v, tokens * rMax);
    release();
  }

  @Override
  public void sgmvExpand(
      float[] v, int rMax, AdapterGroups groups, LoraPair[] pairs, float[] y, int out) {
    if (outOf(pairs) == 0) {
      return;
    }
    int tokens = groups.tokens();
    AdapterGroups g = clampGroups(groups, pairs.length);
    SlotPool pool = pool(pairs, rMax, inOf(pairs), out);
    long py = in(y, tokens * out);
    kernels.sgmvExpand(
        P,
        in(v, tokens * rMax),
        pool.b(),
        pool.ranks(),
        in(g.tokIdxSorted()),
        in(g.slotStart()),
        in(g.slotIds()),
        g.slotIds().length,
        maxGroup(g),
        py,
        out,
        rMax);
    out(py, y, tokens * out);
    release();
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

  @Override
  public void bgmvShrink(
      float[] x, int in, int[] slotOfRow, LoraPair[] pairs, float[] v, int rMax) {
    int rows = slotOfRow.length;
    long pv = temp(4L * rows * rMax);
    if (outOf(pairs) == 0) {
      device.zero(pv, 4L * rows * rMax);
    } else {
      SlotPool pool = pool(pairs, rMax, in, outOf(pairs));
      kernels.bgmvShrink(
          P,
          in(x, rows * in),
          pool.a(),
          pool.ranks(),
          in(clampSlots(slotOfRow, pairs.length)),
          pv,
          rows,
          in,
          rMax);
    }
    out(pv, v, rows * rMax);
    release();
  }

  @Override
  public void bgmvExpand(
      float[] v, int rMax, int[] slotOfRow, LoraPair[] pairs, float[] y, int out) {
    if (outOf(pairs) == 0) {
      return;
    }
    int rows = slotOfRow.length;
    SlotPool pool = pool(pairs, rMax, inOf(pairs), out);
    long py = in(y, rows * out);
    kernels.bgmvExpand(
        P,
        in(v, rows * rMax),
        pool.b(),
        pool.ranks(),
        in(clampSlots(slotOfRow, pairs.length)),
        py,
        rows,
        out,
        rMax);
    out(py, y, rows * out);
    release();
  }

  @Override
  public void rmsNorm(
      float[] x, float[] residual, float[] w, float eps, int rows, int dim, float[] out) {
    int n = rows * dim;
    long px = in(x, n);
    long pr = residual == null ? 0 : in(residual, n);
    long po = temp(4L * n);
    kernels.rmsNorm(P, px, pr, resident(w), po, eps, rows, dim);
    if (residual != null) {
      out(pr, residual, n);
    }
    out(po, out, n);
    release();
  }

  @Override
  public void rope(float[] x, int tokens, int heads, int headDim, int[] positions, float[] inv) {
    int n = tokens * heads * headDim;
    long px = in(x, n);
    kernels.rope(P, px, in(positions), resident(inv), tokens, heads, headDim);
    out(px, x, n);
    release();
  }

  /** The device copy of one layer of a cache: {keys, values}, uploaded on first use. */
  private long[] mirror(PagedKvCache cache, int layer) {
    long[][] layers = caches.computeIfAbsent(cache, c -> new long[c.layers()][]);
    if (layers[layer] == null) {
      long pk = device.alloc(4L * cache.floatsPerLayer());
      long pv = device.alloc(4L * cache.floatsPerLayer());
      if (cache.hasHostArrays(layer)) { // written through the array form before
        device.upload(pk, cache.keys(layer));
        device.upload(pv, cache.values(layer));
      }
      layers[layer] = new long[] {pk, pv};
    }
    return layers[layer];
  }

  @Override
  public void kvAppend(PagedKvCache cache, int layer, float[] k, float[] v, AttentionLayout l) {
    int width = cache.kvHeads() * cache.headDim();
    int rows = l.rows();
    int[] slots = new int[rows];
    for (int t = 0; t < rows; t++) {
      slots[t] = l.slot(t);
    }
    long[] m = mirror(cache, layer);
    kernels.kvAppend(
        P, in(k, rows * width), in(v, rows * width), in(slots), m[0], m[1], rows, width);
    release();
    // Keep the host object consistent too: it is the contract's storage.
    for (int t = 0; t < rows; t++) {
      System.arraycopy(k, t * width, cache.keys(layer), slots[t] * width, width);
      System.arraycopy(v, t * width, cache.values(layer), slots[t] * width, width);
    }
  }

  @Override
  public void attention(
      float[] q,
      int heads,
      PagedKvCache cache,
      int layer,
      AttentionLayout layout,
      float scale,
      float[] out) {
    int rows = layout.rows();
    int d = cache.headDim();
    int[][] tables = layout.blockTables();
    int maxBlocks = 1;
    for (int[] t : tables) {
      maxBlocks = Math.max(maxBlocks, t.length);
    }
    int[] flat = new int[tables.length * maxBlocks];
    for (int s = 0; s < tables.length; s++) {
      System.arraycopy(tables[s], 0, flat, s * maxBlocks, tables[s].length);
    }
    int maxLen = 0;
    for (int pos : layout.positions()) {
      maxLen = Math.max(maxLen, pos + 1);
    }
    long[] m = mirror(cache, layer);
    long po = temp(4L * rows * heads * d);
    kernels.attention(
        P,
        new Kernels.PagedAttention(
            in(q, rows * heads * d),
            m[0],
            m[1],
            in(flat),
            maxBlocks,
            in(layout.seqOfRow()),
            in(layout.positions()),
            po,
            rows,
            heads,
            cache.kvHeads(),
            d,
            layout.blockSize(),
            scale),
        maxLen);
    out(po, out, rows * heads * d);
    release();
  }

  @Override
  public void siluMul(float[] g, float[] u, int n, float[] out) {
    long pg = in(g, n);
    long po = temp(4L * n);
    kernels.siluMul(P, pg, in(u, n), po, n);
    out(po, out, n);
    release();
  }

  @Override
  public void embedding(Weights table, int[] ids, float[] out) {
    for (int id : ids) {
      if (id < 0 || id >= table.rows()) {
        throw new IllegalArgumentException(
            "token id " + id + " is outside the vocabulary of " + table.rows());
      }
    }
    int dim = table.cols();
    long po = temp(4L * ids.length * dim);
    kernels.embedding(P, resident(table), in(ids), po, ids.length, dim, table.rows());
    out(po, out, ids.length * dim);
    release();
  }

  @Override
  public void add(float[] y, float[] x, int n) {
    long py = in(y, n);
    kernels.add(P, py, in(x, n), n);
    out(py, y, n);
    release();
  }

  @Override
  public int argmax(float[] logits, int off, int n) {
    return Sampling.argmax(logits, off, n);
  }

  @Override
  public int sample(
      float[] logits, int off, int n, float temperature, int topK, float topP, double u) {
    return Sampling.sample(logits, off, n, temperature, topK, topP, u);
  }

  @Override
  public void loraMerge(float[] w, LoraPair pair, float sign) {
    long pw = in(w, w.length);
    kernels.loraMerge(
        P,
        pw,
        in(pair.a(), pair.a().length),
        in(pair.b(), pair.b().length),
        pair.out(),
        pair.in(),
        pair.rank(),
        sign);
    out(pw, w, w.length);
    release();
  }

  // ---- the resident form ----------------------------------------------------------------------

  /** A device buffer this backend allocated. */
  private record DeviceTensor(long pointer, long floats) implements Tensor {}

  private static long ptr(Tensor t) {
    return t == null ? 0 : ((DeviceTensor) t).pointer();
  }

  @Override
  public Tensor allocate(long floats) {
    DeviceTensor t = new DeviceTensor(device.alloc(4L * Math.max(1, floats)), floats);
    tensors.add(t);
    return t;
  }

  @Override
  public void free(Tensor t) {
    if (t != null && tensors.remove(t)) {
      device.free(ptr(t));
    }
  }

  @Override
  public StepInputs upload(
      int[] tokens, AttentionLayout layout, int[] slotOfRow, int[] logitRows, boolean decode) {
    DeviceStep.Packed packed = DeviceStep.pack(tokens, layout, slotOfRow, logitRows, decode);
    if (packed.ints().length > stepCapacity) {
      if (stepBuffer != 0) {
        device.free(stepBuffer);
      }
      stepCapacity = Math.max(packed.ints().length, 2 * stepCapacity);
      stepBuffer = device.alloc(4L * stepCapacity);
    }
    device.upload(stepBuffer, packed.ints());
    return packed.at(stepBuffer);
  }

  @Override
  public void download(Tensor src, float[] dst, int n) {
    out(ptr(src), dst, n);
  }

  @Override
  public void embedding(Weights table, StepInputs step, Tensor out) {
    DeviceStep s = (DeviceStep) step;
    for (int id : s.hostTokens()) {
      if (id < 0 || id >= table.rows()) {
        throw new IllegalArgumentException(
            "token id " + id + " is outside the vocabulary of " + table.rows());
      }
    }
    kernels.embedding(
        P, resident(table), s.tokens(), ptr(out), s.rows(), table.cols(), table.rows());
  }

  @Override
  public void matmulSlices(Tensor x, int rows, Weights[] ws, float[][] biases, Tensor[] ys) {
    int in = ws[0].cols();
    for (int j = 0; j < ws.length; j++) {
      if (ws[j].cols() != in) {
        throw new IllegalArgumentException("slices must share the input width");
      }
      long bias = biases[j] == null ? 0 : resident(biases[j]);
      kernels.matmul(P, ptr(x), resident(ws[j]), bias, ptr(ys[j]), rows, in, ws[j].rows());
    }
  }

  @Override
  public void syncLora(int key, LoraPair[] pairs, int rMax) {
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

  @Override
  public void loraShrink(
      Tensor x,
      int in,
      StepInputs step,
      boolean logitRows,
      int key,
      LoraPair[] pairs,
      Tensor v,
      int rMax) {
    DeviceStep s = (DeviceStep) step;
    LoraSlots pool = slots(key, s, logitRows);
    if (logitRows || s.decode()) {
      kernels.bgmvShrink(
          P,
          ptr(x),
          pool.a(),
          pool.ranks(),
          logitRows ? s.logitSlots() : s.slotOfRow(),
          ptr(v),
          logitRows ? s.logitRows() : s.rows(),
          in,
          rMax);
    } else {
      kernels.sgmvShrink(
          P,
          ptr(x),
          pool.a(),
          pool.ranks(),
          s.tokIdxSorted(),
          s.slotStart(),
          s.slotIds(),
          s.groups(),
          s.maxGroupRows(),
          ptr(v),
          s.rows(),
          in,
          rMax);
    }
  }

  @Override
  public void loraExpand(
      Tensor v,
      int rMax,
      StepInputs step,
      boolean logitRows,
      int key,
      LoraPair[] pairs,
      Tensor y,
      int out) {
    DeviceStep s = (DeviceStep) step;
    LoraSlots pool = slots(key, s, logitRows);
    if (logitRows || s.decode()) {
      kernels.bgmvExpand(
          P,
          ptr(v),
          pool.b(),
          pool.ranks(),
          logitRows ? s.logitSlots() : s.slotOfRow(),
          ptr(y),
          logitRows ? s.logitRows() : s.rows(),
          out,
          rMax);
    } else {
      kernels.sgmvExpand(
          P,
          ptr(v),
          pool.b(),
          pool.ranks(),
          s.tokIdxSorted(),
          s.slotStart(),
          s.slotIds(),
          s.groups(),
          s.maxGroupRows(),
          ptr(y),
          out,
          rMax);
    }
  }

  @Override
  public void rmsNorm(
      Tensor x, Tensor residual, float[] w, float eps, int rows, int dim, Tensor out) {
    kernels.rmsNorm(P, ptr(x), ptr(residual), resident(w), ptr(out), eps, rows, dim);
  }

  @Override
  public void rope(Tensor x, StepInputs step, int heads, int headDim, float[] invFreq) {
    DeviceStep s = (DeviceStep) step;
    kernels.rope(P, ptr(x), s.positions(), resident(invFreq), s.rows(), heads, headDim);
  }

  @Override
  public void kvAppend(PagedKvCache cache, int layer, Tensor k, Tensor v, StepInputs step) {
    DeviceStep s = (DeviceStep) step;
    long[] m = mirror(cache, layer);
    kernels.kvAppend(
        P,
        ptr(k),
        ptr(v),
        s.slotMapping(),
        m[0],
        m[1],
        s.rows(),
        cache.kvHeads() * cache.headDim());
  }

  @Override
  public void attention(
      Tensor q,
      int heads,
      PagedKvCache cache,
      int layer,
      StepInputs step,
      float scale,
      Tensor out) {
    DeviceStep s = (DeviceStep) step;
    long[] m = mirror(cache, layer);
    kernels.attention(
        P,
        new Kernels.PagedAttention(
            ptr(q),
            m[0],
            m[1],
            s.blockTables(),
            s.maxBlocks(),
            s.seqOfRow(),
            s.positions(),
            ptr(out),
            s.rows(),
            heads,
            cache.kvHeads(),
            cache.headDim(),
            s.blockSize(),
            scale),
        s.maxLen());
  }

  @Override
  public void siluMul(Tensor g, Tensor u, int n, Tensor out) {
    kernels.siluMul(P, ptr(g), ptr(u), ptr(out), n);
  }

  @Override
  public void gatherLogitRows(Tensor x, int dim, StepInputs step, Tensor out) {
    DeviceStep s = (DeviceStep) step;
    // The embedding kernel is a row gather: x is the table, the logit rows are the ids.
    kernels.embedding(P, ptr(x), s.logitRowIds(), ptr(out), s.logitRows(), dim, s.rows());
  }

  /** Device bytes held across calls (weights, vectors, pools, cache mirrors). */
  public int residentBuffers() {
    int n = weights.size() + vectors.size() + caches.size() + tensors.size() + loraPools.size();
    for (Map<Integer, SlotPool> m : pools.values()) {
      n += m.size();
    }
    return n;
  }

  @Override
  public void close() {
    release();
    weights.values().forEach(device::free);
    vectors.values().forEach(device::free);
    for (Map<Integer, SlotPool> m : pools.values()) {
      for (SlotPool p : m.values()) {
        device.free(p.a());
        device.free(p.b());
        device.free(p.ranks());
      }
    }
    for (long[][] layers : caches.values()) {
      for (long[] l : layers) {
        if (l != null) {
          device.free(l[0]);
          device.free(l[1]);
        }
      }
    }
    for (Tensor t : tensors) {
      device.free(ptr(t));
    }
    for (LoraSlots p : loraPools.values()) {
      p.free(device);
    }
    if (stepBuffer != 0) {
      device.free(stepBuffer);
      stepBuffer = 0;
    }
    tensors.clear();
    loraPools.clear();
    weights.clear();
    vectors.clear();
    pools.clear();
    caches.clear();
    if (closesDevice) {
      device.close();
    }
  }
}
