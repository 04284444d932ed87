package io.lorafleet.engine.backend;

/**
 * The compute operations of the Llama-family forward pass with multi-LoRA, with the semantics of
 * {@code serving.md} section 11, so that a CUDA backend can implement the same contract and be
 * tested against the CPU one. All activations are fp32, row-major, with fp32 accumulation; weights
 * are fp32 or bf16 ({@link Weights}); LoRA matrices use PEFT orientation with the scale folded into
 * B ({@link LoraPair}). Arrays are caller-owned: backends never keep references to them.
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

  @Override
  void close();
}
