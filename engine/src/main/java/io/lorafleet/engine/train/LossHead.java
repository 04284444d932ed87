package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.engine.backend.cpu.TrainingKernels;
import io.lorafleet.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The final norm, the head and the softmax cross-entropy over a micro-batch's target positions, and
 * the gradient of the summed loss with respect to the last layer's output.
 */
final class LossHead {
  /** Rows of logits computed at once: bounds the [rows, vocab] buffer. */
  private static final int HEAD_CHUNK = 64;

  private final LlamaModel base;
  private final ModelConfig config;
  private final TrainingOps ops;
  private final TrainingWeights weights;

  LossHead(LlamaModel base, TrainingOps ops, TrainingWeights weights) {
    this.base = base;
    this.config = base.config();
    this.ops = ops;
    this.weights = weights;
  }

  /** Logits {@code [rows, vocab]} of every row of the last layer's output {@code x}. */
  float[] logits(float[] x, int rows) {
    int h = config.hiddenSize();
    float[] normed = new float[x.length];
    ops.backend().rmsNorm(x, null, base.weights().finalNorm(), eps(), rows, h, normed);
    float[] y = new float[rows * config.vocabSize()];
    ops.matmulKn(normed, rows, weights.headT(), null, y, true);
    return y;
  }

  /**
   * Final norm, head and cross-entropy over the target rows. With {@code dx} non-null, writes the
   * gradient of the summed loss with respect to the last layer's output into it.
   */
  LossSum loss(TrainingBatch b, float[] x, float[] dx) {
    int h = config.hiddenSize();
    int vocab = config.vocabSize();
    float[] normed = new float[x.length];
    ops.backend().rmsNorm(x, null, base.weights().finalNorm(), eps(), b.rows, h, normed);
    List<int[]> targets = new ArrayList<>(); // {row, target token}
    for (int s = 0; s < b.seqs.size(); s++) {
      TrainingSequence seq = b.seqs.get(s);
      for (int i = 1; i < seq.length(); i++) {
        if (seq.lossMask()[i]) {
          targets.add(new int[] {b.starts[s] + i - 1, seq.tokens()[i]});
        }
      }
    }
    float[] dNormed = dx == null ? null : new float[x.length];
    double loss = 0;
    for (int c0 = 0; c0 < targets.size(); c0 += HEAD_CHUNK) {
      int n = Math.min(HEAD_CHUNK, targets.size() - c0);
      float[] rows = new float[n * h];
      for (int i = 0; i < n; i++) {
        System.arraycopy(normed, targets.get(c0 + i)[0] * h, rows, i * h, h);
      }
      float[] logits = new float[n * vocab];
      ops.matmulKn(rows, n, weights.headT(), null, logits, true);
      double[] rowLoss = new double[n];
      int c = c0;
      boolean grad = dNormed != null;
      ops.kernels()
          .forRange(
              n,
              4L * vocab,
              (from, to) -> {
                for (int i = from; i < to; i++) {
                  rowLoss[i] = crossEntropy(logits, i * vocab, vocab, targets.get(c + i)[1], grad);
                }
              });
      for (double l : rowLoss) {
        loss += l;
      }
      if (dNormed != null) {
        float[] dRows = new float[n * h];
        ops.matmulKn(logits, n, base.weights().lmHead(), null, dRows, true);
        for (int i = 0; i < n; i++) {
          TrainingKernels.axpy(1f, dRows, i * h, dNormed, targets.get(c0 + i)[0] * h, h);
        }
      }
    }
    if (dx != null) {
      ops.rmsNormBackward(
          x, base.weights().finalNorm(), dNormed, b.rows, h, config.rmsNormEps(), dx);
    }
    return new LossSum(loss, targets.size());
  }

  private float eps() {
    return (float) config.rmsNormEps();
  }

  /**
   * {@code logsumexp(row) − row[target]}; with {@code grad}, overwrites the row with its gradient
   * {@code softmax(row) − onehot(target)}.
   */
  private static double crossEntropy(float[] l, int off, int vocab, int target, boolean grad) {
    float max = Float.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, l[off + v]);
    }
    float picked = l[off + target];
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      float e = (float) Math.exp(l[off + v] - max);
      sum += e;
      if (grad) {
        l[off + v] = e;
      }
    }
    if (grad) {
      float inv = (float) (1 / sum);
      for (int v = 0; v < vocab; v++) {
        l[off + v] *= inv;
      }
      l[off + target] -= 1f;
    }
    return max + Math.log(sum) - picked;
  }
}
