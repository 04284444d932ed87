package io.lorafleet.engine.backend.cpu;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.AdapterGroups;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.LoraPair;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.StepInputs;
import io.lorafleet.engine.backend.Tensor;
import io.lorafleet.engine.backend.Weights;
import java.util.Arrays;

/**
 * The reference backend: pure Java with the Vector API, work split over output rows (matmul,
 * merge), tokens (LoRA, norms) or (token, head) pairs (attention) on a pool sized to the cores.
 */
public final class CpuBackend implements Backend {
  // Per-thread scratch: a widened embedding row and attention scores, grown on demand.
  private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

  private final Parallel parallel;
  private final LoraRows loraRows;

  /** A backend with one worker per available processor. */
  public CpuBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  public CpuBackend(int threads) {
    this.parallel = new Parallel(threads);
    this.loraRows = new LoraRows(parallel);
  }

  @Override
  public String name() {
    return "cpu(" + parallel.threads() + " threads, " + VectorKernels.F + ")";
  }

  @Override
  public void matmul(float[] x, int tokens, Weights w, float[] bias, float[] y) {
    matmulSlices(x, tokens, new Weights[] {w}, new float[][] {bias}, new float[][] {y});
  }

  @Override
  public void matmulSlices(float[] x, int tokens, Weights[] ws, float[][] biases, float[][] ys) {
    int[] start = new int[ws.length + 1];
    for (int j = 0; j < ws.length; j++) {
      if (ws[j].cols() != ws[0].cols()) {
        throw new IllegalArgumentException("slices must share the input width");
      }
      start[j + 1] = start[j] + ws[j].rows();
    }
    // One parallel region over the rows of all slices, so they share one fork/join.
    parallel.forRange(
        start[ws.length],
        Parallel.chunkFor((long) ws[0].cols() * tokens),
        (from, to) -> {
          for (int j = 0; j < ws.length; j++) {
            int lo = Math.max(from, start[j]);
            int hi = Math.min(to, start[j + 1]);
            if (lo < hi) {
              MatmulRows.rows(x, tokens, ws[j], biases[j], ys[j], lo - start[j], hi - start[j]);
            }
          }
        });
  }

  @Override
  public void sgmvShrink(
      float[] x, int in, AdapterGroups groups, LoraPair[] pairs, float[] v, int rMax) {
    Arrays.fill(v, 0, groups.tokens() * rMax, 0f);
    loraRows.forSortedRows(
        groups, pairs, (long) rMax * in, (t, p) -> LoraRows.shrinkRow(x, in, t, p, v, rMax));
  }

  @Override
  public void sgmvExpand(
      float[] v, int rMax, AdapterGroups groups, LoraPair[] pairs, float[] y, int out) {
    loraRows.forSortedRows(
        groups, pairs, (long) rMax * out, (t, p) -> LoraRows.expandRow(v, rMax, t, p, y, out));
  }

  @Override
  public void bgmvShrink(
      float[] x, int in, int[] slotOfRow, LoraPair[] pairs, float[] v, int rMax) {
    Arrays.fill(v, 0, slotOfRow.length * rMax, 0f);
    loraRows.forEachRow(
        slotOfRow, pairs, (long) rMax * in, (t, p) -> LoraRows.shrinkRow(x, in, t, p, v, rMax));
  }

  @Override
  public void bgmvExpand(
      float[] v, int rMax, int[] slotOfRow, LoraPair[] pairs, float[] y, int out) {
    loraRows.forEachRow(
        slotOfRow, pairs, (long) rMax * out, (t, p) -> LoraRows.expandRow(v, rMax, t, p, y, out));
  }

  @Override
  public void rmsNorm(
      float[] x, float[] residual, float[] w, float eps, int rows, int dim, float[] out) {
    parallel.forRange(
        rows,
        Parallel.chunkFor(dim),
        (from, to) -> {
          for (int t = from; t < to; t++) {
            int base = t * dim;
            if (residual != null) {
              VectorKernels.axpy(1f, x, base, residual, base, dim);
            }
            float[] z = residual != null ? residual : x;
            float ss = VectorKernels.dot(z, base, z, base, dim);
            float inv = (float) (1.0 / Math.sqrt(ss / dim + eps));
            for (int i = 0; i < dim; i++) {
              out[base + i] = w[i] * (z[base + i] * inv);
            }
          }
        });
  }

  @Override
  public void rope(float[] x, int tokens, int heads, int headDim, int[] positions, float[] inv) {
    int half = headDim / 2;
    parallel.forRange(
        tokens,
        Parallel.chunkFor((long) heads * headDim),
        (from, to) -> {
          float[] cos = new float[half];
          float[] sin = new float[half];
          for (int t = from; t < to; t++) {
            for (int i = 0; i < half; i++) {
              // fp32 angle as HF computes it (inv_freq @ position_ids in float32).
              float phi = positions[t] * inv[i];
              cos[i] = (float) Math.cos(phi);
              sin[i] = (float) Math.sin(phi);
            }
            for (int h = 0; h < heads; h++) {
              int base = (t * heads + h) * headDim;
              for (int i = 0; i < half; i++) {
                float a = x[base + i];
                float b = x[base + half + i];
                x[base + i] = a * cos[i] - b * sin[i];
                x[base + half + i] = b * cos[i] + a * sin[i];
              }
            }
          }
        });
  }

  @Override
  public void kvAppend(PagedKvCache cache, int layer, float[] k, float[] v, AttentionLayout l) {
    int width = cache.kvHeads() * cache.headDim();
    float[] kc = cache.keys(layer);
    float[] vc = cache.values(layer);
    for (int t = 0; t < l.rows(); t++) {
      int dst = cache.offset(l.slot(t), 0);
      System.arraycopy(k, t * width, kc, dst, width);
      System.arraycopy(v, t * width, vc, dst, width);
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
    int d = cache.headDim();
    int group = heads / cache.kvHeads();
    float[] kc = cache.keys(layer);
    float[] vc = cache.values(layer);
    int longest = 0;
    for (int p : layout.positions()) {
      longest = Math.max(longest, p + 1);
    }
    // Per (row, head): a dot and an axpy of length d for each visible position.
    parallel.forRange(
        layout.rows() * heads,
        Parallel.chunkFor(2L * longest * d),
        (from, to) -> {
          for (int th = from; th < to; th++) {
            int t = th / heads;
            int h = th % heads;
            int kvh = h / group;
            int seq = layout.seqOfRow()[t];
            int len = layout.positions()[t] + 1;
            float[] s = Scratch.grow(SCORES, len);
            int qo = th * d;
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < len; p++) {
              s[p] =
                  VectorKernels.dot(q, qo, kc, cache.offset(layout.slot(seq, p), kvh), d) * scale;
              max = Math.max(max, s[p]);
            }
            float sum = 0f;
            for (int p = 0; p < len; p++) {
              s[p] = (float) Math.exp(s[p] - max);
              sum += s[p];
            }
            Arrays.fill(out, qo, qo + d, 0f);
            float inv = 1f / sum;
            for (int p = 0; p < len; p++) {
              VectorKernels.axpy(
                  s[p] * inv, vc, cache.offset(layout.slot(seq, p), kvh), out, qo, d);
            }
          }
        });
  }

  @Override
  public void siluMul(float[] g, float[] u, int n, float[] out) {
    parallel.forRange(
        n,
        4096,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            float gi = g[i];
            out[i] = gi / (1f + (float) Math.exp(-gi)) * u[i];
          }
        });
  }

  @Override
  public void embedding(Weights table, int[] ids, float[] out) {
    int dim = table.cols();
    for (int t = 0; t < ids.length; t++) {
      if (ids[t] < 0 || ids[t] >= table.rows()) {
        throw new IllegalArgumentException(
            "token id " + ids[t] + " is outside the vocabulary of " + table.rows());
      }
      if (table.dtype() == DType.BF16) {
        float[] row = Scratch.grow(ROW, dim);
        VectorKernels.bf16ToF32(table.bf16(), ids[t] * dim, row, dim);
        System.arraycopy(row, 0, out, t * dim, dim);
      } else if (table.dtype() == DType.I8) {
        float[] row = Scratch.grow(ROW, dim);
        VectorKernels.q8ToF32(table.q8(), table.q8Scales(), ids[t] * dim, row, dim);
        System.arraycopy(row, 0, out, t * dim, dim);
      } else {
        System.arraycopy(table.f32(), ids[t] * dim, out, t * dim, dim);
      }
    }
  }

  @Override
  public void add(float[] y, float[] x, int n) {
    VectorKernels.axpy(1f, x, 0, y, 0, n);
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
  public void loraMerge(float[] w, LoraPair p, float sign) {
    int in = p.in();
    int r = p.rank();
    parallel.forRange(
        p.out(),
        Parallel.chunkFor((long) p.rank() * in),
        (from, to) -> {
          for (int o = from; o < to; o++) {
            for (int j = 0; j < r; j++) {
              VectorKernels.axpy(sign * p.b()[o * r + j], p.a(), j * in, w, o * in, in);
            }
          }
        });
  }

  // ---- the resident form: Java arrays, so "resident" means no copy at all ---------------------

  @Override
  public Tensor allocate(long floats) {
    if (floats < 0 || floats > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("cannot allocate " + floats + " floats");
    }
    return new CpuTensor(new float[(int) floats]);
  }

  @Override
  public void free(Tensor t) {
    // garbage collected
  }

  @Override
  public StepInputs upload(
      int[] tokens, AttentionLayout layout, int[] slotOfRow, int[] logitRows, boolean decode) {
    return new CpuStep(tokens, layout, slotOfRow, logitRows, decode);
  }

  @Override
  public void download(Tensor src, float[] dst, int n) {
    System.arraycopy(CpuTensor.of(src), 0, dst, 0, n);
  }

  @Override
  public void embedding(Weights table, StepInputs step, Tensor out) {
    embedding(table, ((CpuStep) step).tokens, CpuTensor.of(out));
  }

  @Override
  public void matmulSlices(Tensor x, int rows, Weights[] ws, float[][] biases, Tensor[] ys) {
    float[][] y = new float[ys.length][];
    for (int j = 0; j < ys.length; j++) {
      y[j] = CpuTensor.of(ys[j]);
    }
    matmulSlices(CpuTensor.of(x), rows, ws, biases, y);
  }

  @Override
  public void syncLora(int key, LoraPair[] pairs, int rMax) {
    // the array kernels read the pairs directly
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
    CpuStep s = (CpuStep) step;
    if (logitRows || s.decode) {
      bgmvShrink(
          CpuTensor.of(x),
          in,
          logitRows ? s.logitSlots : s.slotOfRow,
          pairs,
          CpuTensor.of(v),
          rMax);
    } else {
      sgmvShrink(CpuTensor.of(x), in, s.groups, pairs, CpuTensor.of(v), rMax);
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
    CpuStep s = (CpuStep) step;
    if (logitRows || s.decode) {
      bgmvExpand(
          CpuTensor.of(v),
          rMax,
          logitRows ? s.logitSlots : s.slotOfRow,
          pairs,
          CpuTensor.of(y),
          out);
    } else {
      sgmvExpand(CpuTensor.of(v), rMax, s.groups, pairs, CpuTensor.of(y), out);
    }
  }

  @Override
  public void rmsNorm(
      Tensor x, Tensor residual, float[] w, float eps, int rows, int dim, Tensor out) {
    rmsNorm(CpuTensor.of(x), CpuTensor.of(residual), w, eps, rows, dim, CpuTensor.of(out));
  }

  @Override
  public void rope(Tensor x, StepInputs step, int heads, int headDim, float[] invFreq) {
    CpuStep s = (CpuStep) step;
    rope(CpuTensor.of(x), s.rows(), heads, headDim, s.layout.positions(), invFreq);
  }

  @Override
  public void kvAppend(PagedKvCache cache, int layer, Tensor k, Tensor v, StepInputs step) {
    kvAppend(cache, layer, CpuTensor.of(k), CpuTensor.of(v), ((CpuStep) step).layout);
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
    attention(
        CpuTensor.of(q), heads, cache, layer, ((CpuStep) step).layout, scale, CpuTensor.of(out));
  }

  @Override
  public void siluMul(Tensor g, Tensor u, int n, Tensor out) {
    siluMul(CpuTensor.of(g), CpuTensor.of(u), n, CpuTensor.of(out));
  }

  @Override
  public void gatherLogitRows(Tensor x, int dim, StepInputs step, Tensor out) {
    int[] rows = ((CpuStep) step).logitRows;
    float[] src = CpuTensor.of(x);
    float[] dst = CpuTensor.of(out);
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(src, rows[i] * dim, dst, i * dim, dim);
    }
  }

  @Override
  public void close() {
    parallel.close();
  }
}
