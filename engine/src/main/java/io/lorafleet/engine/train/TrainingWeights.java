package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.TrainingKernels;
import io.lorafleet.engine.model.LayerWeights;
import io.lorafleet.engine.model.LlamaModel;

/**
 * The two extra copies of the frozen base that training keeps (same dtype), both in the {@code [k,
 * n]} layout of {@link TrainingKernels#matmulKn}: transposed for the forward matmuls, and as stored
 * ({@code [out, in]}) with q/k/v and gate/up stacked for the input-gradient matmuls.
 */
final class TrainingWeights {
  /**
   * One layer's base weights as {@code [k, n]} matrices: q/k/v and gate/up joined along n (forward)
   * or k (backward); biases joined like the outputs.
   */
  record Group(
      Weights qkv, Weights o, Weights gateUp, Weights down, float[] qkvBias, float[] gateUpBias) {

    Weights weights(LinearGroup g) {
      return switch (g) {
        case QKV -> qkv;
        case O -> o;
        case GATE_UP -> gateUp;
        case DOWN -> down;
      };
    }

    /** The joined bias of {@code g}; o and down take their own from the layer. */
    float[] bias(LinearGroup g, LayerWeights w) {
      return switch (g) {
        case QKV -> qkvBias;
        case GATE_UP -> gateUpBias;
        case O, DOWN -> w.bias(g.module(0));
      };
    }
  }

  private final Group[] forward;
  private final Group[] backward;
  private final Weights headT;

  TrainingWeights(LlamaModel base) {
    int layers = base.config().numHiddenLayers();
    this.forward = new Group[layers];
    this.backward = new Group[layers];
    for (int l = 0; l < layers; l++) {
      LayerWeights w = base.weights().layers().get(l);
      float[] qkvBias = joinBiases(w, LinearGroup.QKV);
      float[] guBias = joinBiases(w, LinearGroup.GATE_UP);
      forward[l] =
          new Group(
              transposeConcat(w.q(), w.k(), w.v()),
              transposeConcat(w.o()),
              transposeConcat(w.gate(), w.up()),
              transposeConcat(w.down()),
              qkvBias,
              guBias);
      backward[l] =
          new Group(
              stack(w.q(), w.k(), w.v()), w.o(), stack(w.gate(), w.up()), w.down(), null, null);
    }
    this.headT = transposeConcat(base.weights().lmHead());
  }

  /** Layer {@code l}'s Wᵀ ({@code [in, out]}) for the forward matmuls. */
  Group forward(int l) {
    return forward[l];
  }

  /** Layer {@code l}'s W ({@code [out, in]}, q/k/v and gate/up stacked) for input gradients. */
  Group backward(int l) {
    return backward[l];
  }

  /** The head transposed, {@code [hidden, vocab]}. */
  Weights headT() {
    return headT;
  }

  /** The biases of modules that share an input, end to end (zeros where one has none). */
  private static float[] joinBiases(LayerWeights w, LinearGroup g) {
    int total = 0;
    boolean any = false;
    for (LinearModule m : g.modules()) {
      total += w.linear(m).rows();
      any |= w.bias(m) != null;
    }
    if (!any) {
      return null;
    }
    float[] out = new float[total];
    int off = 0;
    for (LinearModule m : g.modules()) {
      if (w.bias(m) != null) {
        System.arraycopy(w.bias(m), 0, out, off, w.bias(m).length);
      }
      off += w.linear(m).rows();
    }
    return out;
  }

  /** {@code [rows_i, cols]} weights stacked into {@code [Σ rows_i, cols]}. */
  private static Weights stack(Weights... ws) {
    int cols = ws[0].cols();
    int rows = 0;
    boolean bf16 = true;
    for (Weights w : ws) {
      rows += w.rows();
      bf16 &= w.dtype() == DType.BF16;
    }
    if (bf16) {
      short[] t = new short[rows * cols];
      int off = 0;
      for (Weights w : ws) {
        System.arraycopy(w.bf16(), 0, t, off, w.bf16().length);
        off += w.bf16().length;
      }
      return Weights.bf16(rows, cols, t);
    }
    float[] t = new float[rows * cols];
    int off = 0;
    for (Weights w : ws) {
      float[] f = w.toF32Copy().f32();
      System.arraycopy(f, 0, t, off, f.length);
      off += f.length;
    }
    return Weights.f32(rows, cols, t);
  }

  /** {@code [Σ rows, cols]} weights side by side, transposed to {@code [cols, Σ rows]}. */
  private static Weights transposeConcat(Weights... ws) {
    int cols = ws[0].cols();
    int total = 0;
    boolean bf16 = true;
    for (Weights w : ws) {
      total += w.rows();
      bf16 &= w.dtype() == DType.BF16;
    }
    int n = total;
    if (bf16) {
      short[] t = new short[cols * n];
      int off = 0;
      for (Weights w : ws) {
        short[] src = w.bf16();
        for (int r = 0; r < w.rows(); r++) {
          for (int c = 0; c < cols; c++) {
            t[c * n + off + r] = src[r * cols + c];
          }
        }
        off += w.rows();
      }
      return Weights.bf16(cols, n, t);
    }
    float[] t = new float[cols * n];
    int off = 0;
    for (Weights w : ws) {
      for (int r = 0; r < w.rows(); r++) {
        for (int c = 0; c < cols; c++) {
          t[c * n + off + r] = w.get(r, c);
        }
      }
      off += w.rows();
    }
    return Weights.f32(cols, n, t);
  }
}
