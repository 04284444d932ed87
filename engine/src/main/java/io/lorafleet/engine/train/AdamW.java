package io.lorafleet.engine.train;

import io.lorafleet.engine.backend.Backend;

/**
 * The optimizer step: mean over the step's target tokens, global-norm clipping as {@code
 * torch.nn.utils.clip_grad_norm_}, and AdamW as {@code torch.optim.AdamW} (on a backend that {@link
 * Backend#runsTraining() runs training}, else here in fp64). Owns the step count.
 */
final class AdamW {
  private final LoraParameters parameters;
  private final LoraTrainingOptions options;
  private final Backend backend;
  private long steps;

  AdamW(LoraParameters parameters, LoraTrainingOptions options, Backend backend) {
    this.parameters = parameters;
    this.options = options;
    this.backend = backend;
  }

  long steps() {
    return steps;
  }

  /** Continues from a snapshot taken after {@code steps} steps (the bias corrections use it). */
  void restoreSteps(long steps) {
    this.steps = steps;
  }

  /** See {@link LoraTraining#step}; returns the pre-clip global gradient norm. */
  double step(double learningRate, long targetTokens) {
    if (targetTokens <= 0) {
      throw new IllegalArgumentException("a step needs at least one target token");
    }
    double sumSq = 0;
    for (LoraParameter p : parameters.all()) {
      sumSq += divideAndSquare(p.gradA, targetTokens) + divideAndSquare(p.gradB, targetTokens);
    }
    double norm = Math.sqrt(sumSq);
    // clip_grad_norm_: coef = max_norm / (norm + 1e-6), applied when below 1.
    double max = options.maxGradNorm();
    if (max > 0 && Double.isFinite(max)) {
      double coef = max / (norm + 1e-6);
      if (coef < 1) {
        float c = (float) coef;
        for (LoraParameter p : parameters.all()) {
          multiply(p.gradA, c);
          multiply(p.gradB, c);
        }
      }
    }
    steps++;
    double bc1 = 1 - Math.pow(options.beta1(), steps);
    double bc2 = 1 - Math.pow(options.beta2(), steps);
    for (LoraParameter p : parameters.all()) {
      if (backend.runsTraining()) {
        onBackend(p.a, p.gradA, p.expAvgA, p.expAvgSqA, learningRate);
        onBackend(p.b, p.gradB, p.expAvgB, p.expAvgSqB, learningRate);
      } else {
        update(p.a, p.gradA, p.expAvgA, p.expAvgSqA, learningRate, bc1, bc2);
        update(p.b, p.gradB, p.expAvgB, p.expAvgSqB, learningRate, bc1, bc2);
      }
      p.zeroGradients();
    }
    return norm;
  }

  /** AdamW on the backend (fp32 arithmetic there, fp64 in {@link #update}). */
  private void onBackend(float[] p, float[] g, float[] m, float[] v, double lr) {
    backend.adamW(
        p,
        g,
        m,
        v,
        (float) lr,
        (float) options.beta1(),
        (float) options.beta2(),
        (float) options.epsilon(),
        (float) options.weightDecay(),
        Math.toIntExact(steps));
  }

  /**
   * torch.optim.AdamW (non-amsgrad, non-fused): {@code p ← p(1 − lr·wd)}; {@code m ← β1 m + (1 −
   * β1) g}; {@code v ← β2 v + (1 − β2) g²}; {@code p ← p − lr/bc1 · m / (√v / √bc2 + ε)}, each
   * element in fp64 and stored in fp32.
   */
  private void update(
      float[] p, float[] g, float[] m, float[] v, double lr, double bc1, double bc2) {
    double decay = 1 - lr * options.weightDecay();
    double b1 = options.beta1();
    double b2 = options.beta2();
    double stepSize = lr / bc1;
    double bc2Root = Math.sqrt(bc2);
    double eps = options.epsilon();
    for (int i = 0; i < p.length; i++) {
      double gi = g[i];
      double mi = b1 * m[i] + (1 - b1) * gi;
      double vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = (float) mi;
      v[i] = (float) vi;
      double denom = Math.sqrt(v[i]) / bc2Root + eps;
      p[i] = (float) (p[i] * decay - stepSize * m[i] / denom);
    }
  }

  private static double divideAndSquare(float[] g, long n) {
    double sum = 0;
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) (g[i] / (double) n);
      sum += (double) g[i] * g[i];
    }
    return sum;
  }

  private static void multiply(float[] g, float c) {
    for (int i = 0; i < g.length; i++) {
      g[i] *= c;
    }
  }
}
