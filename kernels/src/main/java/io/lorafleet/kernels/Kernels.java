package io.lorafleet.kernels;

/**
 * The Java side of the kernel module: launch configurations and argument lists for every kernel in
 * {@code src/main/cuda}, on any {@link Device}. Pointers are device pointers; sizes are elements.
 * The semantics are those of the engine's {@code Backend} (serving.md section 11), with the LoRA
 * matrices in a slot pool: {@code aPool[slot][rMax][in]}, {@code bPool[slot][rMax][out]} (B
 * transposed, scale folded in), {@code ranks[slot]} (0 = empty slot), and a row slot of -1 for "no
 * adapter".
 */
public final class Kernels {
  static final int LORA_THREADS = 128;
  static final int ROW_THREADS = 256;
  static final int SGMV_ROWS_PER_TILE = 16;

  /** The largest {@code rMax} the SGMV tiles hold. */
  public static final int SGMV_MAX_RANK = 64;

  static final int ATTENTION_THREADS = 128;

  /** The largest GQA group (query heads per KV head) of the attention kernel. */
  public static final int ATTENTION_MAX_GROUP = 8;

  /** The largest head dimension of the attention kernel. */
  public static final int ATTENTION_MAX_HEAD_DIM = 128;

  private static final int MAX_GRID_STRIDE_BLOCKS = 4096;
  private static final int MAX_GRID_Y = 65535;

  private final Device device;

  public Kernels(Device device) {
    this.device = device;
  }

  public Device device() {
    return device;
  }

  /** {@code v[rows, rMax]} (fp32, fully written) = x[b] · A[slot(b)]ᵀ, 0 past the rank. */
  public void bgmvShrink(
      Precision p,
      long x,
      long aPool,
      long ranks,
      long slotOfRow,
      long v,
      int rows,
      int in,
      int rMax) {
    if (rows == 0) {
      return;
    }
    checkGridY(rows);
    device.launch(
        p.kernel("bgmv_shrink"),
        Dim3.of(rMax, rows),
        Dim3.of(LORA_THREADS),
        new KernelArgs().ptr(x).ptr(aPool).ptr(ranks).ptr(slotOfRow).ptr(v).i32(in).i32(rMax));
  }

  /** {@code y[b, :] += v[b, :rank] · B[slot(b)]ᵀ}. */
  public void bgmvExpand(
      Precision p,
      long v,
      long bPool,
      long ranks,
      long slotOfRow,
      long y,
      int rows,
      int out,
      int rMax) {
    if (rows == 0) {
      return;
    }
    checkGridY(rows);
    device.launch(
        p.kernel("bgmv_expand"),
        Dim3.of(ceil(out, LORA_THREADS), rows),
        Dim3.of(LORA_THREADS),
        new KernelArgs().ptr(v).ptr(bPool).ptr(ranks).ptr(slotOfRow).ptr(y).i32(out).i32(rMax));
  }

  /**
   * SGMV shrink over the sorted-token form ({@code tokIdxSorted}, {@code slotStart[groups+1]},
   * {@code slotIds[groups]}); zeroes {@code v[tokens, rMax]} first. {@code maxGroupRows} is the
   * largest group (it sizes the grid).
   */
  public void sgmvShrink(
      Precision p,
      long x,
      long aPool,
      long ranks,
      long tokIdxSorted,
      long slotStart,
      long slotIds,
      int groups,
      int maxGroupRows,
      long v,
      int tokens,
      int in,
      int rMax) {
    checkSgmvRank(rMax);
    device.zero(v, 4L * tokens * rMax);
    if (groups == 0 || maxGroupRows == 0) {
      return;
    }
    int tiles = ceil(maxGroupRows, SGMV_ROWS_PER_TILE);
    checkGridY(tiles);
    device.launch(
        p.kernel("sgmv_shrink"),
        Dim3.of(groups, tiles),
        Dim3.of(LORA_THREADS),
        new KernelArgs()
            .ptr(x)
            .ptr(aPool)
            .ptr(ranks)
            .ptr(tokIdxSorted)
            .ptr(slotStart)
            .ptr(slotIds)
            .ptr(v)
            .i32(in)
            .i32(rMax));
  }

  /** SGMV expand: {@code y[t, :] += v[t, :rank] · B[slot]ᵀ} for the rows of every group. */
  public void sgmvExpand(
      Precision p,
      long v,
      long bPool,
      long ranks,
      long tokIdxSorted,
      long slotStart,
      long slotIds,
      int groups,
      int maxGroupRows,
      long y,
      int out,
      int rMax) {
    checkSgmvRank(rMax);
    if (groups == 0 || maxGroupRows == 0) {
      return;
    }
    checkGridY(groups);
    device.launch(
        p.kernel("sgmv_expand"),
        new Dim3(ceil(out, LORA_THREADS), groups, ceil(maxGroupRows, SGMV_ROWS_PER_TILE)),
        Dim3.of(LORA_THREADS),
        new KernelArgs()
            .ptr(v)
            .ptr(bPool)
            .ptr(ranks)
            .ptr(tokIdxSorted)
            .ptr(slotStart)
            .ptr(slotIds)
            .ptr(y)
            .i32(out)
            .i32(rMax));
  }

  /**
   * {@code y[tokens, out] = x[tokens, in] · w[out, in]ᵀ (+ bias[out]; 0 = none)}: the SIMT tiled
   * GEMM of the kernel module (a GPU device should route base-model GEMMs to cuBLAS instead).
   */
  public void matmul(Precision p, long x, long w, long bias, long y, int tokens, int in, int out) {
    if (tokens == 0 || out == 0) {
      return;
    }
    checkGridY(ceil(tokens, 16));
    device.launch(
        p.kernel("matmul"),
        Dim3.of(ceil(out, 16), ceil(tokens, 16)),
        Dim3.of(16, 16),
        new KernelArgs().ptr(x).ptr(w).ptr(bias).ptr(y).i32(tokens).i32(in).i32(out));
  }

  /**
   * {@code y[rows, n] = x[rows, k] · w[k, n] (+ bias[n])}: the training GEMMs, whose right-hand
   * side is stored {@code [k, n]} (transposed base weights, activations, gradients).
   */
  public void matmulKn(Precision p, long x, long w, long bias, long y, int rows, int k, int n) {
    if (rows == 0 || n == 0) {
      return;
    }
    checkGridY(ceil(rows, 16));
    device.launch(
        p.kernel("matmul_kn"),
        Dim3.of(ceil(n, 16), ceil(rows, 16)),
        Dim3.of(16, 16),
        new KernelArgs().ptr(x).ptr(w).ptr(bias).ptr(y).i32(rows).i32(k).i32(n));
  }

  /** RMSNorm of {@code x[rows, dim]} with an optional fused residual ({@code 0} = none). */
  public void rmsNorm(
      Precision p, long x, long residual, long w, long out, float eps, int rows, int dim) {
    if (rows == 0) {
      return;
    }
    device.launch(
        p.kernel("rmsnorm"),
        Dim3.of(rows),
        Dim3.of(ROW_THREADS),
        new KernelArgs().ptr(x).ptr(residual).ptr(w).ptr(out).f32(eps).i32(dim));
  }

  /** Rotary embedding in place on {@code x[tokens, heads, headDim]}; {@code invFreq} is fp32. */
  public void rope(
      Precision p, long x, long positions, long invFreq, int tokens, int heads, int headDim) {
    if (tokens == 0) {
      return;
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("rope needs an even head dimension, got " + headDim);
    }
    checkGridY(heads);
    device.launch(
        p.kernel("rope"),
        Dim3.of(tokens, heads),
        Dim3.of(32),
        new KernelArgs().ptr(x).ptr(positions).ptr(invFreq).i32(heads).i32(headDim));
  }

  public void siluMul(Precision p, long g, long u, long out, int n) {
    if (n > 0) {
      device.launch(
          p.kernel("silu_mul"),
          Dim3.of(strideBlocks(n)),
          Dim3.of(ROW_THREADS),
          new KernelArgs().ptr(g).ptr(u).ptr(out).i32(n));
    }
  }

  public void add(Precision p, long y, long x, int n) {
    if (n > 0) {
      device.launch(
          p.kernel("add"),
          Dim3.of(strideBlocks(n)),
          Dim3.of(ROW_THREADS),
          new KernelArgs().ptr(y).ptr(x).i32(n));
    }
  }

  /** {@code out[t] = table[ids[t]]}; the caller validates ids (an invalid one gives zeros). */
  public void embedding(
      Precision p, long table, long ids, long out, int tokens, int dim, int vocab) {
    if (tokens > 0) {
      device.launch(
          p.kernel("embedding"),
          Dim3.of(tokens),
          Dim3.of(ROW_THREADS),
          new KernelArgs().ptr(table).ptr(ids).ptr(out).i32(dim).i32(vocab));
    }
  }

  /** Writes {@code k, v[rows, width]} to cache slots {@code slotMapping[rows]}. */
  public void kvAppend(
      Precision p, long k, long v, long slotMapping, long kc, long vc, int rows, int width) {
    if (rows > 0) {
      device.launch(
          p.kernel("kv_append"),
          Dim3.of(rows),
          Dim3.of(128),
          new KernelArgs().ptr(k).ptr(v).ptr(slotMapping).ptr(kc).ptr(vc).i32(width));
    }
  }

  /** Paged attention in one pass: one block per (row, KV head) over the whole sequence. */
  public void attention(Precision p, PagedAttention a) {
    if (a.rows() == 0) {
      return;
    }
    checkGridY(a.kvHeads());
    device.launch(
        p.kernel("paged_attention_decode"),
        Dim3.of(a.rows(), a.kvHeads()),
        Dim3.of(ATTENTION_THREADS),
        a.args()
            .ptr(a.out())
            .i32(a.heads())
            .i32(a.kvHeads())
            .i32(a.headDim())
            .i32(a.blockSize())
            .f32(a.scale()));
  }

  /** Positions per partition of the flash-decoding path. */
  public static final int ATTENTION_PARTITION = 512;

  /**
   * Attention that picks its path by the longest attended length {@code maxLen} (the largest {@code
   * positions[t] + 1}): one pass when it fits one partition, else flash-decoding partitions of
   * {@link #ATTENTION_PARTITION} positions, so long contexts use more than rows × kvHeads blocks.
   */
  public void attention(Precision p, PagedAttention a, int maxLen) {
    if (maxLen <= ATTENTION_PARTITION) {
      attention(p, a);
    } else {
      attentionPartitioned(p, a, maxLen, ATTENTION_PARTITION);
    }
  }

  /**
   * Flash-decoding: {@code paged_attention_partial} over (rows, kvHeads, ⌈maxLen / partitionSize⌉)
   * blocks into an fp32 workspace, then {@code paged_attention_reduce}.
   */
  public void attentionPartitioned(Precision p, PagedAttention a, int maxLen, int partitionSize) {
    if (a.rows() == 0) {
      return;
    }
    if (partitionSize < 1 || maxLen < 1) {
      throw new IllegalArgumentException(
          "partition size " + partitionSize + " and max length " + maxLen + " must be positive");
    }
    checkGridY(a.kvHeads());
    int parts = ceil(maxLen, partitionSize);
    long states = (long) a.rows() * a.heads() * parts;
    long m = device.alloc(4 * states);
    long l = device.alloc(4 * states);
    long acc = device.alloc(4 * states * a.headDim());
    try {
      device.launch(
          p.kernel("paged_attention_partial"),
          new Dim3(a.rows(), a.kvHeads(), parts),
          Dim3.of(ATTENTION_THREADS),
          a.args()
              .ptr(m)
              .ptr(l)
              .ptr(acc)
              .i32(a.heads())
              .i32(a.kvHeads())
              .i32(a.headDim())
              .i32(a.blockSize())
              .f32(a.scale())
              .i32(partitionSize));
      device.launch(
          p.kernel("paged_attention_reduce"),
          Dim3.of(a.rows(), a.heads()),
          Dim3.of(128),
          new KernelArgs()
              .ptr(m)
              .ptr(l)
              .ptr(acc)
              .ptr(a.out())
              .i32(a.heads())
              .i32(a.headDim())
              .i32(parts));
      device.synchronize();
    } finally {
      device.free(m);
      device.free(l);
      device.free(acc);
    }
  }

  /** {@code w[out, in] += sign · b[out, rank] · a[rank, in]}, fp32 accumulation. */
  public void loraMerge(
      Precision p, long w, long a, long b, int out, int in, int rank, float sign) {
    if (out == 0 || in == 0) {
      return;
    }
    checkGridY(out);
    device.launch(
        p.kernel("lora_merge"),
        Dim3.of(ceil(in, 128), out),
        Dim3.of(128),
        new KernelArgs().ptr(w).ptr(a).ptr(b).i32(in).i32(rank).f32(sign));
  }

  /** DARE in place on {@code delta[n]}: see {@link Dare}. */
  public void dare(Precision p, long delta, int n, float density, long seed, int tensorId) {
    if (n > 0) {
      device.launch(
          p.kernel("dare"),
          Dim3.of(strideBlocks(n)),
          Dim3.of(ROW_THREADS),
          new KernelArgs().ptr(delta).i32(n).f32(density).u64(seed).i32(tensorId));
    }
  }

  /**
   * Softmax cross-entropy forward and backward over {@code logits[rows, vocab]}: {@code loss[rows]}
   * (fp32) and {@code dlogits = (softmax - onehot) · gradScale}; a negative target is ignored.
   */
  public void crossEntropy(
      Precision p,
      long logits,
      long targets,
      long loss,
      long dlogits,
      int rows,
      int vocab,
      float gradScale) {
    if (rows > 0) {
      device.launch(
          p.kernel("cross_entropy"),
          Dim3.of(rows),
          Dim3.of(ROW_THREADS),
          new KernelArgs()
              .ptr(logits)
              .ptr(targets)
              .ptr(loss)
              .ptr(dlogits)
              .i32(vocab)
              .f32(gradScale));
    }
  }

  /** One AdamW step ({@code step} counts from 1) on fp32 parameters and moments. */
  public void adamw(
      long param,
      long grad,
      long m,
      long v,
      int n,
      float lr,
      float beta1,
      float beta2,
      float eps,
      float weightDecay,
      int step) {
    if (step < 1) {
      throw new IllegalArgumentException("AdamW steps count from 1, got " + step);
    }
    if (n == 0) {
      return;
    }
    float bc1 = (float) (1 - Math.pow(beta1, step));
    float bc2 = (float) (1 - Math.pow(beta2, step));
    device.launch(
        "adamw_f32",
        Dim3.of(strideBlocks(n)),
        Dim3.of(ROW_THREADS),
        new KernelArgs()
            .ptr(param)
            .ptr(grad)
            .ptr(m)
            .ptr(v)
            .i32(n)
            .f32(lr)
            .f32(beta1)
            .f32(beta2)
            .f32(eps)
            .f32(weightDecay)
            .f32(bc1)
            .f32(bc2));
  }

  private static void checkSgmvRank(int rMax) {
    if (rMax < 1 || rMax > SGMV_MAX_RANK) {
      throw new IllegalArgumentException(
          "SGMV holds ranks up to " + SGMV_MAX_RANK + ", got rMax " + rMax);
    }
  }

  private static void checkGridY(int n) {
    if (n > MAX_GRID_Y) {
      throw new IllegalArgumentException(n + " exceeds the grid's y limit of " + MAX_GRID_Y);
    }
  }

  static int ceil(int n, int d) {
    return (n + d - 1) / d;
  }

  private static int strideBlocks(int n) {
    return Math.min(ceil(n, ROW_THREADS), MAX_GRID_STRIDE_BLOCKS);
  }
}
