package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.model.LayerWeights;
import io.lorafleet.engine.model.LlamaModel;

/**
 * The backward pass of one decoder layer: accumulates the gradients of its LoRA parameters and
 * returns the gradient with respect to its input. Per-head attention gradients are summed in head
 * order and reductions over tokens run over rows in row order, so nothing depends on threads.
 */
final class TrainingBackward {
  private final LlamaModel base;
  private final ModelConfig config;
  private final TrainingOps ops;
  private final TrainingWeights weights;
  private final LoraParameters lora;
  private final float scale;
  private final float[] invFreq;
  private final float attentionScale;

  TrainingBackward(
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
    this.scale = (float) options.scale();
    this.invFreq = invFreq;
    this.attentionScale = (float) (1 / Math.sqrt(config.headDim()));
  }

  /** Given dL/d(output) of layer l, accumulates its LoRA gradients and returns dL/d(input). */
  float[] layer(TrainingBatch b, int l, LayerActivations p, float[] dOut) {
    LayerWeights w = base.weights().layers().get(l);
    TrainingWeights.Group wt = weights.backward(l);
    int t = b.rows;
    int h = config.hiddenSize();
    int hq = config.numAttentionHeads();
    int hkv = config.numKeyValueHeads();
    int d = config.headDim();
    double eps = config.rmsNormEps();
    // MLP: x3 = x2 + down(silu(g) ⊙ u)
    float[] dAct = linear(b, l, p, LinearGroup.DOWN, new float[][] {dOut}, p.act, wt.down());
    float[] dg = new float[p.g.length];
    float[] du = new float[p.u.length];
    ops.kernels()
        .forRange(
            dg.length,
            32,
            (from, to) -> {
              for (int i = from; i < to; i++) {
                float g = p.g[i];
                float sig = (float) (1 / (1 + Math.exp(-g)));
                du[i] = dAct[i] * g * sig;
                dg[i] = dAct[i] * p.u[i] * sig * (1 + g * (1 - sig));
              }
            });
    float[] dn2 = linear(b, l, p, LinearGroup.GATE_UP, new float[][] {dg, du}, p.n2, wt.gateUp());
    float[] dx2 = dOut.clone();
    ops.rmsNormBackward(p.x2, w.postAttentionNorm(), dn2, t, h, eps, dx2);
    // Attention: x2 = x + o(attn(rope(q), rope(k), v))
    float[] dAttn = linear(b, l, p, LinearGroup.O, new float[][] {dx2}, p.attn, wt.o());
    float[] dq = new float[p.q.length];
    float[] dk = new float[p.k.length];
    float[] dv = new float[p.v.length];
    ops.kernels()
        .attentionBackward(
            p.q, p.k, p.v, b.starts, hq, hkv, d, attentionScale, p.probs, dAttn, dq, dk, dv);
    // The rotation's transpose is the rotation by −φ.
    ops.backend().rope(dq, t, hq, d, b.negPositions, invFreq);
    ops.backend().rope(dk, t, hkv, d, b.negPositions, invFreq);
    float[] dn1 = linear(b, l, p, LinearGroup.QKV, new float[][] {dq, dk, dv}, p.n1, wt.qkv());
    float[] dx = dx2;
    ops.rmsNormBackward(p.x, w.inputNorm(), dn1, t, h, eps, dx);
    return dx;
  }

  /**
   * Backward of the forward's joined linear for modules sharing input {@code x}: accumulates each
   * target's {@code dA = s·(dY·B)ᵀ·drop(x)} and {@code dB = s·dYᵀ·(drop(x)·Aᵀ)}, returns {@code dX
   * = Σ_j dY_j·W_j + s·((dY_j·B_j)·A_j) ⊙ mask_j}.
   */
  private float[] linear(
      TrainingBatch b,
      int l,
      LayerActivations pass,
      LinearGroup group,
      float[][] dys,
      float[] x,
      Weights w) {
    int t = b.rows;
    int in = w.cols();
    float[] dy = dys[0];
    if (group.size() > 1) {
      int width = w.rows();
      dy = new float[t * width];
      int off = 0;
      for (float[] part : dys) {
        int pw = part.length / t;
        for (int r = 0; r < t; r++) {
          System.arraycopy(part, r * pw, dy, r * width + off, pw);
        }
        off += pw;
      }
    }
    float[] dx = new float[t * in];
    ops.matmulKn(dy, t, w, null, dx, true);
    for (int j = 0; j < group.size(); j++) {
      LoraParameter p = lora.at(l, group.module(j));
      if (p == null) {
        continue;
      }
      int m = group.module(j).ordinal();
      int r = p.rank;
      float[] dyj = dys[j];
      // G = s·dY·B  [T, r]
      float[] g = new float[t * r];
      ops.loraTimesB(dyj, t, p, g);
      for (int i = 0; i < g.length; i++) {
        g[i] *= scale;
      }
      // dB [out, r] = s·dYᵀ·U, computed as its transpose (U·s)ᵀ·dY: [r, out]
      float[] uT = TrainingOps.transpose(pass.shrunk[m], t, r);
      for (int i = 0; i < uT.length; i++) {
        uT[i] *= scale;
      }
      float[] dbT = new float[r * p.out];
      ops.matmulKn(uT, r, Weights.f32(t, p.out, dyj), null, dbT, false);
      for (int o = 0; o < p.out; o++) {
        for (int k = 0; k < r; k++) {
          p.gradB[o * r + k] += dbT[k * p.out + o];
        }
      }
      // dA [r, in] = Gᵀ·drop(x)
      float[] in0 = pass.mask[m] == null ? x : pass.loraIn[m];
      float[] da = new float[r * in];
      ops.matmulKn(TrainingOps.transpose(g, t, r), r, Weights.f32(t, in, in0), null, da, false);
      for (int i = 0; i < da.length; i++) {
        p.gradA[i] += da[i];
      }
      // dX += (G·A) ⊙ mask
      ops.addProduct(g, 1f, p.a, r, in, t, dx, pass.mask[m]);
    }
    return dx;
  }
}
