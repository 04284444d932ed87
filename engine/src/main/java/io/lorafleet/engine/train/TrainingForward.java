package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.TrainingKernels;
import io.lorafleet.engine.merge.Philox;
import io.lorafleet.engine.model.LayerWeights;
import io.lorafleet.engine.model.LlamaModel;

/**
 * The training forward pass over a whole micro-batch: {@code y = W x + b + s · B A dropout(x)} on
 * every target module, optionally keeping what the backward pass needs ({@link LayerActivations}).
 *
 * <p>It is not {@link LlamaModel#forward}: serving runs paged-KV steps on backend-owned tensors
 * with the backend's dot-product matmuls, while training needs every activation on the host and
 * runs its many-token matmuls as {@link TrainingKernels#matmulKn} over transposed weights (the same
 * products, one fma chain per output). Norms, rotary embedding, SiLU and the embedding lookup are
 * the same {@link Backend} operations, so the two give the same logits to fp32 rounding
 * (InferenceConsistencyTest); making them one code path would change the training numerics that the
 * PyTorch parity tests pin.
 */
final class TrainingForward {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final LlamaModel base;
  private final ModelConfig config;
  private final TrainingOps ops;
  private final TrainingWeights weights;
  private final LoraParameters lora;
  private final LoraTrainingOptions options;
  private final float scale;
  private final float[] invFreq;

  TrainingForward(
      LlamaModel base,
      TrainingOps ops,
      TrainingWeights weights,
      LoraParameters lora,
      LoraTrainingOptions options,
      float[] invFreq) {
    this.base = base;
    this.config = base.config();
    this.ops = ops;
    this.weights = weights;
    this.lora = lora;
    this.options = options;
    this.scale = (float) options.scale();
    this.invFreq = invFreq;
  }

  float[] embed(TrainingBatch b) {
    float[] x = new float[b.rows * config.hiddenSize()];
    ops.backend().embedding(base.weights().embedTokens(), b.tokens, x);
    return x;
  }

  /** The last layer's output for every row, without keeping anything for a backward pass. */
  float[] hidden(TrainingBatch b) {
    float[] x = embed(b);
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      x = layer(b, l, x, null, true);
    }
    return x;
  }

  /**
   * One decoder layer; fills {@code pass} when non-null. Returns the layer's output, or null
   * without {@code output} (a recomputation: the down projection's base and LoRA products, which
   * only feed the output, are skipped; its LoRA input products, which its gradients need, are not).
   */
  float[] layer(TrainingBatch b, int l, float[] x, LayerActivations pass, boolean output) {
    Backend backend = ops.backend();
    LayerWeights w = base.weights().layers().get(l);
    int t = b.rows;
    int h = config.hiddenSize();
    int hq = config.numAttentionHeads();
    int hkv = config.numKeyValueHeads();
    int d = config.headDim();
    float[] n1 = new float[t * h];
    backend.rmsNorm(x, null, w.inputNorm(), eps(), t, h, n1);
    float[][] qkv = linear(b, l, w, n1, LinearGroup.QKV, pass, true);
    backend.rope(qkv[0], t, hq, d, b.positions, invFreq);
    backend.rope(qkv[1], t, hkv, d, b.positions, invFreq);
    float[] probs =
        new float[Math.toIntExact(TrainingKernels.probOffsets(b.starts, hq)[b.seqs.size()])];
    float[] attn = new float[t * hq * d];
    ops.kernels()
        .attentionForward(
            qkv[0], qkv[1], qkv[2], b.starts, hq, hkv, d, attentionScale(), probs, attn);
    float[] o = linear(b, l, w, attn, LinearGroup.O, pass, true)[0];
    float[] x2 = new float[t * h];
    for (int i = 0; i < x2.length; i++) {
      x2[i] = x[i] + o[i];
    }
    float[] n2 = new float[t * h];
    backend.rmsNorm(x2, null, w.postAttentionNorm(), eps(), t, h, n2);
    float[][] gu = linear(b, l, w, n2, LinearGroup.GATE_UP, pass, true);
    float[] act = new float[gu[0].length];
    backend.siluMul(gu[0], gu[1], act.length, act);
    float[] down = linear(b, l, w, act, LinearGroup.DOWN, pass, output)[0];
    float[] x3 = output ? new float[t * h] : null;
    for (int i = 0; output && i < x3.length; i++) {
      x3[i] = x2[i] + down[i];
    }
    if (pass != null) {
      pass.x = x;
      pass.n1 = n1;
      pass.q = qkv[0];
      pass.k = qkv[1];
      pass.v = qkv[2];
      pass.probs = probs;
      pass.attn = attn;
      pass.x2 = x2;
      pass.n2 = n2;
      pass.g = gu[0];
      pass.u = gu[1];
      pass.act = act;
    }
    return x3;
  }

  float attentionScale() {
    return (float) (1 / Math.sqrt(config.headDim()));
  }

  float eps() {
    return (float) config.rmsNormEps();
  }

  /**
   * {@code y_j = x·W_jᵀ + b_j + s·(drop(x)·A_jᵀ)·B_jᵀ} for modules sharing the input x; without
   * {@code output} only what {@code pass} needs ({@code drop(x)}, its mask and {@code
   * drop(x)·A_jᵀ}) is computed and the outputs are null.
   */
  private float[][] linear(
      TrainingBatch b,
      int l,
      LayerWeights w,
      float[] x,
      LinearGroup group,
      LayerActivations pass,
      boolean output) {
    int t = b.rows;
    TrainingWeights.Group g = weights.forward(l);
    Weights wt = g.weights(group);
    float[] bias = g.bias(group, w);
    float[][] ys;
    if (output) {
      float[] joined = new float[t * wt.cols()];
      ops.matmulKn(x, t, wt, bias, joined, true);
      ys = split(joined, t, w, group);
    } else {
      ys = new float[group.size()][];
    }
    for (int j = 0; j < group.size(); j++) {
      LinearModule module = group.module(j);
      LoraParameter p = lora.at(l, module);
      if (p == null) {
        continue;
      }
      float[] mask = b.dropout ? dropoutMask(b, p) : null;
      float[] in = x;
      if (mask != null) {
        in = new float[x.length];
        for (int i = 0; i < in.length; i++) {
          in[i] = x[i] * mask[i];
        }
      }
      float[] shrunk = new float[t * p.rank];
      ops.loraShrink(in, t, p, shrunk);
      if (output) {
        ops.addProduct(
            shrunk,
            scale,
            TrainingOps.transpose(p.b, p.out, p.rank),
            p.rank,
            p.out,
            t,
            ys[j],
            null);
      }
      if (pass != null) {
        int m = module.ordinal();
        pass.loraIn[m] = in;
        pass.mask[m] = mask;
        pass.shrunk[m] = shrunk;
      }
    }
    return ys;
  }

  /** The per-module outputs of a joined {@code [T, Σ out]} result. */
  private static float[][] split(float[] joined, int t, LayerWeights w, LinearGroup group) {
    if (group.size() == 1) {
      return new float[][] {joined};
    }
    int width = joined.length / t;
    float[][] ys = new float[group.size()][];
    int off = 0;
    for (int j = 0; j < group.size(); j++) {
      int out = w.linear(group.module(j)).rows();
      ys[j] = new float[t * out];
      for (int r = 0; r < t; r++) {
        System.arraycopy(joined, r * width + off, ys[j], r * out, out);
      }
      off += out;
    }
    return ys;
  }

  /**
   * Inverted-dropout factors (0 or 1/(1−p)) for one module's input {@code [T, in]}: element (row,
   * feature) is kept when its Philox uniform is at least p.
   */
  private float[] dropoutMask(TrainingBatch b, LoraParameter p) {
    float keep = (float) (1 / (1 - options.dropout()));
    float drop = (float) options.dropout();
    long key = options.seed() + GOLDEN * b.dropoutKey;
    int k0 = (int) key;
    int k1 = (int) (key >>> 32);
    float[] mask = new float[b.rows * p.in];
    int[] ctr = new int[4];
    for (int s = 0; s < b.seqs.size(); s++) {
      for (int row = b.starts[s]; row < b.starts[s + 1]; row++) {
        for (int f = 0; f < p.in; f += 4) {
          ctr[0] = f >>> 2;
          ctr[1] = b.positions[row];
          ctr[2] = s;
          ctr[3] = p.tensorId();
          Philox.philox4x32x10(ctr, k0, k1);
          for (int e = 0; e < 4 && f + e < p.in; e++) {
            float u = (ctr[e] >>> 8) * (1f / 16777216f);
            mask[row * p.in + f + e] = u >= drop ? keep : 0f;
          }
        }
      }
    }
    return mask;
  }
}
