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
import java.util.HashSet;
import java.util.Set;

/**
 * The engine's {@link Backend} on a {@link Device}: on the host build in tests today, on a GPU once
 * a JCuda device exists. It keeps what lives across steps on the device, keyed by identity ({@link
 * DeviceMemory}): weights (uploaded on first use, bf16 widened to fp32), LoRA slot pools per {@code
 * pairs} array and rank bound, and a mirror of each layer of each KV cache; the multi-LoRA
 * operations are {@link DeviceLora}'s. Activations cross per call, because the {@link Backend}
 * contract passes host arrays; a serving loop that keeps activations resident needs a device-level
 * API (not written yet).
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
  private final DeviceMemory mem;
  private final Set<Tensor> tensors = new HashSet<>();
  private final DeviceLora lora;

  /** A backend on {@code device}, which the caller keeps and closes. */
  public DeviceBackend(Device device) {
    this(device, false);
  }

  /** A backend on {@code device}; with {@code closesDevice} its {@link #close()} closes it too. */
  public DeviceBackend(Device device, boolean closesDevice) {
    this.device = device;
    this.kernels = new Kernels(device);
    this.mem = new DeviceMemory(device);
    this.lora = new DeviceLora(device, kernels, mem);
    this.closesDevice = closesDevice;
  }

  @Override
  public String name() {
    return "device(" + device.name() + ")";
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
    long px = mem.in(x, rows * k);
    long pw;
    long pb;
    if (frozen) {
      pw = mem.resident(w);
      pb = bias == null ? 0 : mem.resident(bias);
    } else {
      pw = mem.in(w.dtype() == DType.F32 ? w.f32() : w.toF32Copy().f32(), k * n);
      pb = bias == null ? 0 : mem.in(bias, n);
    }
    long py = mem.temp(4L * rows * n);
    kernels.matmulKn(P, px, pw, pb, py, rows, k, n);
    mem.out(py, y, rows * n);
    mem.release();
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
    long pp = mem.in(p, n);
    long pm = mem.in(m, n);
    long pv = mem.in(v, n);
    kernels.adamw(pp, mem.in(g, n), pm, pv, n, lr, beta1, beta2, eps, weightDecay, step);
    mem.out(pp, p, n);
    mem.out(pm, m, n);
    mem.out(pv, v, n);
    mem.release();
  }

  // ---- operations -----------------------------------------------------------------------------

  @Override
  public void matmul(float[] x, int tokens, Weights w, float[] bias, float[] y) {
    int in = w.cols();
    int out = w.rows();
    long px = mem.in(x, tokens * in);
    long py = mem.temp(4L * tokens * out);
    kernels.matmul(
        P, px, mem.resident(w), bias == null ? 0 : mem.resident(bias), py, tokens, in, out);
    mem.out(py, y, tokens * out);
    mem.release();
  }

  /** One upload of x, one matmul launch per slice (a GPU device would batch them in cuBLAS). */
  @Override
  public void matmulSlices(float[] x, int tokens, Weights[] ws, float[][] biases, float[][] ys) {
    int in = ws[0].cols();
    long px = mem.in(x, tokens * in);
    for (int j = 0; j < ws.length; j++) {
      if (ws[j].cols() != in) {
        throw new IllegalArgumentException("slices must share the input width");
      }
      int out = ws[j].rows();
      long py = mem.temp(4L * tokens * out);
      long bias = biases[j] == null ? 0 : mem.resident(biases[j]);
      kernels.matmul(P, px, mem.resident(ws[j]), bias, py, tokens, in, out);
      mem.out(py, ys[j], tokens * out);
    }
    mem.release();
  }

  @Override
  public void sgmvShrink(
      float[] x, int in, AdapterGroups groups, LoraPair[] pairs, float[] v, int rMax) {
    lora.sgmvShrink(x, in, groups, pairs, v, rMax);
  }

  @Override
  public void sgmvExpand(
      float[] v, int rMax, AdapterGroups groups, LoraPair[] pairs, float[] y, int out) {
    lora.sgmvExpand(v, rMax, groups, pairs, y, out);
  }

  @Override
  public void bgmvShrink(
      float[] x, int in, int[] slotOfRow, LoraPair[] pairs, float[] v, int rMax) {
    lora.bgmvShrink(x, in, slotOfRow, pairs, v, rMax);
  }

  @Override
  public void bgmvExpand(
      float[] v, int rMax, int[] slotOfRow, LoraPair[] pairs, float[] y, int out) {
    lora.bgmvExpand(v, rMax, slotOfRow, pairs, y, out);
  }

  @Override
  public void rmsNorm(
      float[] x, float[] residual, float[] w, float eps, int rows, int dim, float[] out) {
    int n = rows * dim;
    long px = mem.in(x, n);
    long pr = residual == null ? 0 : mem.in(residual, n);
    long po = mem.temp(4L * n);
    kernels.rmsNorm(P, px, pr, mem.resident(w), po, eps, rows, dim);
    if (residual != null) {
      mem.out(pr, residual, n);
    }
    mem.out(po, out, n);
    mem.release();
  }

  @Override
  public void rope(float[] x, int tokens, int heads, int headDim, int[] positions, float[] inv) {
    int n = tokens * heads * headDim;
    long px = mem.in(x, n);
    kernels.rope(P, px, mem.in(positions), mem.resident(inv), tokens, heads, headDim);
    mem.out(px, x, n);
    mem.release();
  }

  @Override
  public void kvAppend(PagedKvCache cache, int layer, float[] k, float[] v, AttentionLayout l) {
    int width = cache.kvHeads() * cache.headDim();
    int rows = l.rows();
    int[] slots = new int[rows];
    for (int t = 0; t < rows; t++) {
      slots[t] = l.slot(t);
    }
    long[] m = mem.mirror(cache, layer);
    kernels.kvAppend(
        P,
        mem.in(k, rows * width),
        mem.in(v, rows * width),
        mem.in(slots),
        m[0],
        m[1],
        rows,
        width);
    mem.release();
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
    long[] m = mem.mirror(cache, layer);
    long po = mem.temp(4L * rows * heads * d);
    kernels.attention(
        P,
        new PagedAttention(
            mem.in(q, rows * heads * d),
            m[0],
            m[1],
            mem.in(flat),
            maxBlocks,
            mem.in(layout.seqOfRow()),
            mem.in(layout.positions()),
            po,
            rows,
            heads,
            cache.kvHeads(),
            d,
            layout.blockSize(),
            scale),
        maxLen);
    mem.out(po, out, rows * heads * d);
    mem.release();
  }

  @Override
  public void siluMul(float[] g, float[] u, int n, float[] out) {
    long pg = mem.in(g, n);
    long po = mem.temp(4L * n);
    kernels.siluMul(P, pg, mem.in(u, n), po, n);
    mem.out(po, out, n);
    mem.release();
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
    long po = mem.temp(4L * ids.length * dim);
    kernels.embedding(P, mem.resident(table), mem.in(ids), po, ids.length, dim, table.rows());
    mem.out(po, out, ids.length * dim);
    mem.release();
  }

  @Override
  public void add(float[] y, float[] x, int n) {
    long py = mem.in(y, n);
    kernels.add(P, py, mem.in(x, n), n);
    mem.out(py, y, n);
    mem.release();
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
    long pw = mem.in(w, w.length);
    kernels.loraMerge(
        P,
        pw,
        mem.in(pair.a(), pair.a().length),
        mem.in(pair.b(), pair.b().length),
        pair.out(),
        pair.in(),
        pair.rank(),
        sign);
    mem.out(pw, w, w.length);
    mem.release();
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
    return packed.at(mem.stepInputs(packed.ints()));
  }

  @Override
  public void download(Tensor src, float[] dst, int n) {
    mem.out(ptr(src), dst, n);
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
        P, mem.resident(table), s.tokens(), ptr(out), s.rows(), table.cols(), table.rows());
  }

  @Override
  public void matmulSlices(Tensor x, int rows, Weights[] ws, float[][] biases, Tensor[] ys) {
    int in = ws[0].cols();
    for (int j = 0; j < ws.length; j++) {
      if (ws[j].cols() != in) {
        throw new IllegalArgumentException("slices must share the input width");
      }
      long bias = biases[j] == null ? 0 : mem.resident(biases[j]);
      kernels.matmul(P, ptr(x), mem.resident(ws[j]), bias, ptr(ys[j]), rows, in, ws[j].rows());
    }
  }

  @Override
  public void syncLora(int key, LoraPair[] pairs, int rMax) {
    lora.sync(key, pairs, rMax);
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
    lora.shrink(ptr(x), in, (DeviceStep) step, logitRows, key, ptr(v), rMax);
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
    lora.expand(ptr(v), rMax, (DeviceStep) step, logitRows, key, ptr(y), out);
  }

  @Override
  public void rmsNorm(
      Tensor x, Tensor residual, float[] w, float eps, int rows, int dim, Tensor out) {
    kernels.rmsNorm(P, ptr(x), ptr(residual), mem.resident(w), ptr(out), eps, rows, dim);
  }

  @Override
  public void rope(Tensor x, StepInputs step, int heads, int headDim, float[] invFreq) {
    DeviceStep s = (DeviceStep) step;
    kernels.rope(P, ptr(x), s.positions(), mem.resident(invFreq), s.rows(), heads, headDim);
  }

  @Override
  public void kvAppend(PagedKvCache cache, int layer, Tensor k, Tensor v, StepInputs step) {
    DeviceStep s = (DeviceStep) step;
    long[] m = mem.mirror(cache, layer);
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
    long[] m = mem.mirror(cache, layer);
    kernels.attention(
        P,
        new PagedAttention(
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
    return mem.residentBuffers() + tensors.size() + lora.residentBuffers();
  }

  @Override
  public void close() {
    mem.freeAll();
    for (Tensor t : tensors) {
      device.free(ptr(t));
    }
    lora.freeAll();
    tensors.clear();
    if (closesDevice) {
      device.close();
    }
  }
}
