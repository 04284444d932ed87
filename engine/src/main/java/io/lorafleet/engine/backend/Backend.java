package io.lorafleet.engine.backend;

/**
 * The compute operations of the Llama-family forward pass with multi-LoRA, with the semantics of
 * {@code serving.md} section 11, so that a CUDA backend can implement the same contract and be
 * tested against the CPU one. All activations are fp32, row-major, with fp32 accumulation; weights
 * are fp32 or bf16 ({@link Weights}); LoRA matrices use PEFT orientation with the scale folded into
 * B ({@link LoraPair}). Arrays are caller-owned: backends never keep references to them.
 *
 * <p>Two forms of each inference operation exist. The array form (host {@code float[]} in and out)
 * serves training, merging and kernel-by-kernel tests. The resident form works on {@link Tensor}s
 * the backend owns: the model's forward pass uses only it, so activations stay on the device, the
 * weights, norm vectors and LoRA slot pools are uploaded once (keyed by the identity of their
 * {@link Weights}, {@code float[]} or {@link LoraPair}), and per step the host sends the {@link
 * StepInputs} and reads the logits back: one copy each way.
 */
public interface Backend extends AutoCloseable {

  String name();

  /** {@code y[T,out] = x[T,in] · wᵀ (+ bias[out])}; bias may be null. */
  void matmul(float[] x, int tokens, Weights w, float[] bias, float[] y);

  /**
   * Several matmuls of the same input in one step ({@code num_slices}: q, k and v, or gate and up):
   * {@code ys[j] = x · ws[j]ᵀ (+ biases[j])}, each exactly as {@link #matmul} computes it. One
   * launch (or one parallel region) instead of several.
   */
  void matmulSlices(float[] x, int tokens, Weights[] ws, float[][] biases, float[][] ys);

  /**
   * SGMV shrink: zeroes {@code v[T, rMax]}, then for every row {@code t} of a group with slot
   * {@code s} whose pair is non-null: {@code v[t, :rank] = x[t] · pairs[s].aᵀ}. Columns at or above
   * the rank stay 0.
   */
  void sgmvShrink(float[] x, int in, AdapterGroups groups, LoraPair[] pairs, float[] v, int rMax);

  /** SGMV expand: {@code y[t, :] += v[t, :rank] · pairs[s].bᵀ} for the same rows. */
  void sgmvExpand(float[] v, int rMax, AdapterGroups groups, LoraPair[] pairs, float[] y, int out);

  /**
   * BGMV shrink for decode (one row per request, gathered by slot): {@code v[b, :rank] = x[b] ·
   * pairs[slotOfRow[b]].aᵀ}; rows with slot -1 or a null pair get zeros.
   */
  void bgmvShrink(float[] x, int in, int[] slotOfRow, LoraPair[] pairs, float[] v, int rMax);

  /** BGMV expand: {@code y[b, :] += v[b, :rank] · pairs[slotOfRow[b]].bᵀ}. */
  void bgmvExpand(float[] v, int rMax, int[] slotOfRow, LoraPair[] pairs, float[] y, int out);

  /**
   * RMSNorm with optional fused residual add: {@code z = x (+ residual)}; when residual is non-null
   * it is overwritten with {@code z}; {@code out = w ⊙ z / sqrt(mean(z²) + eps)}.
   */
  void rmsNorm(float[] x, float[] residual, float[] w, float eps, int rows, int dim, float[] out);

  /**
   * Rotary embedding in place, HF rotate_half convention: for {@code i < d/2} and {@code φ =
   * positions[t]·invFreq[i]}, {@code (x_i, x_{i+d/2}) ← (x_i cosφ − x_{i+d/2} sinφ, x_{i+d/2} cosφ
   * + x_i sinφ)} for every head of {@code x[T, heads, d]}.
   */
  void rope(float[] x, int tokens, int heads, int headDim, int[] positions, float[] invFreq);

  /**
   * Writes each row's {@code k[T, kvHeads, d]} and {@code v[T, kvHeads, d]} into its cache slot.
   */
  void kvAppend(PagedKvCache cache, int layer, float[] k, float[] v, AttentionLayout layout);

  /**
   * Attention over the paged cache (rows must already be appended): for row {@code t} and query
   * head {@code h} (kv head {@code h / (heads / kvHeads)}), {@code out[t,h] = softmax(q[t,h]·Kᵀ ·
   * scale) · V} over positions {@code 0..positions[t]} of its sequence; online softmax in fp32.
   */
  void attention(
      float[] q,
      int heads,
      PagedKvCache cache,
      int layer,
      AttentionLayout layout,
      float scale,
      float[] out);

  /** {@code out[i] = g[i] / (1 + e^(−g[i])) · u[i]} for {@code n} elements. */
  void siluMul(float[] g, float[] u, int n, float[] out);

  /** {@code out[t, :] = table[ids[t], :]}, widened to fp32. */
  void embedding(Weights table, int[] ids, float[] out);

  /** {@code y[i] += x[i]} for {@code n} elements. */
  void add(float[] y, float[] x, int n);

  /** Index of the largest of {@code logits[off .. off+n)}; the lowest index wins ties. */
  int argmax(float[] logits, int off, int n);

  /**
   * Draws a token from {@code logits[off .. off+n)}: divide by {@code temperature}, keep the {@code
   * topK} largest (0 = all), keep the smallest set of most probable tokens whose probability
   * reaches {@code topP} (at least one), renormalize, and invert the CDF at {@code u ∈ [0,1)}.
   */
  int sample(float[] logits, int off, int n, float temperature, int topK, float topP, double u);

  /** {@code w[out,in] += sign · b[out,r] · a[r,in]} in fp32 (merge with +1, unmerge with −1). */
  void loraMerge(float[] w, LoraPair pair, float sign);

  // ---- the resident form --------------------------------------------------------------------

  /** A zeroed fp32 buffer of {@code floats} elements (a workspace, reused across steps). */
  Tensor allocate(long floats);

  /** Returns a buffer from {@link #allocate}; the handle must not be used afterwards. */
  void free(Tensor t);

  /**
   * Hands one step's inputs to the backend (one host-to-device copy on a device): {@code tokens}
   * and {@code layout} per row, {@code slotOfRow} (adapter slot, -1 = none) and {@code logitRows}
   * (the rows whose logits are wanted). Valid until the next call on this backend.
   */
  StepInputs upload(
      int[] tokens, AttentionLayout layout, int[] slotOfRow, int[] logitRows, boolean decode);

  /** Copies the first {@code n} floats of {@code src} to the host (one device-to-host copy). */
  void download(Tensor src, float[] dst, int n);

  /** {@code out[t, :] = table[tokens[t], :]} for the step's rows. */
  void embedding(Weights table, StepInputs step, Tensor out);

  /** {@link #matmulSlices} on resident buffers, over the first {@code rows} rows of {@code x}. */
  void matmulSlices(Tensor x, int rows, Weights[] ws, float[][] biases, Tensor[] ys);

  /**
   * Makes the backend's LoRA slot pool for {@code key} (one per layer and module) hold {@code
   * pairs} (by slot) with rank bound {@code rMax}: slots whose pair changed are rewritten, and the
   * pool is freed when no slot holds a pair, so device memory follows adapter loads and evictions.
   * Called once per key per step before {@link #loraShrink}/{@link #loraExpand} use the key.
   */
  void syncLora(int key, LoraPair[] pairs, int rMax);

  /**
   * LoRA shrink for the step's rows ({@code logitRows}: for its logit rows instead), gather form
   * (BGMV) for decode steps and sorted-token form (SGMV) otherwise, with {@link #sgmvShrink}'s
   * result: {@code v[t, :rank] = x[t] · Aᵀ} of the row's slot, zeros elsewhere.
   */
  void loraShrink(
      Tensor x,
      int in,
      StepInputs step,
      boolean logitRows,
      int key,
      LoraPair[] pairs,
      Tensor v,
      int rMax);

  /** LoRA expand: {@code y[t, :] += v[t, :rank] · (sB)ᵀ} for the rows {@link #loraShrink} took. */
  void loraExpand(
      Tensor v,
      int rMax,
      StepInputs step,
      boolean logitRows,
      int key,
      LoraPair[] pairs,
      Tensor y,
      int out);

  /** {@link #rmsNorm(float[], float[], float[], float, int, int, float[])} on resident buffers. */
  void rmsNorm(Tensor x, Tensor residual, float[] w, float eps, int rows, int dim, Tensor out);

  /** {@link #rope(float[], int, int, int, int[], float[])} at the step's positions. */
  void rope(Tensor x, StepInputs step, int heads, int headDim, float[] invFreq);

  /** {@link #kvAppend(PagedKvCache, int, float[], float[], AttentionLayout)} for the step. */
  void kvAppend(PagedKvCache cache, int layer, Tensor k, Tensor v, StepInputs step);

  /** {@link #attention(float[], int, PagedKvCache, int, AttentionLayout, float, float[])}. */
  void attention(
      Tensor q, int heads, PagedKvCache cache, int layer, StepInputs step, float scale, Tensor out);

  /** {@link #siluMul(float[], float[], int, float[])} on resident buffers. */
  void siluMul(Tensor g, Tensor u, int n, Tensor out);

  /** {@code out[i, :] = x[logitRows[i], :]}: the rows of {@code x} whose logits are wanted. */
  void gatherLogitRows(Tensor x, int dim, StepInputs step, Tensor out);

  // ---- training (the LoRA trainer's heavy math; optional) -------------------------------------

  /**
   * Whether the trainer sends its many-token matmuls and AdamW here ({@link #matmulKn}, {@link
   * #adamW}). False by default: the CPU backend leaves them to the trainer's own {@code
   * TrainingKernels}, whose blocking and summation order the trainer's determinism relies on.
   */
  default boolean runsTraining() {
    return false;
  }

  /**
   * Training GEMM {@code y[rows, n] = x[rows, k] · w[k, n] (+ bias[n])}, {@code w} stored {@code
   * [k, n]} (transposed or stacked base weights, or activations and gradients). {@code frozen}:
   * {@code w} and {@code bias} never change while this backend lives (the frozen base), so a device
   * may keep them resident by identity; otherwise they are used for this call only.
   */
  default void matmulKn(float[] x, int rows, Weights w, float[] bias, float[] y, boolean frozen) {
    throw new UnsupportedOperationException(name() + " does not run training matmuls");
  }

  /**
   * One {@code torch.optim.AdamW} step in place on {@code p} (gradient {@code g}, moments {@code m}
   * and {@code v}), {@code step} counting from 1.
   */
  default void adamW(
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
    throw new UnsupportedOperationException(name() + " does not run AdamW");
  }

  @Override
  void close();
}
