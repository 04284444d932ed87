package io.lorafleet.engine.train;

import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.TrainingKernels;
import java.util.Arrays;

/**
 * The products and reductions the forward and backward passes share, each in one fixed order: the
 * many-token GEMMs go to a backend that {@link Backend#runsTraining() runs training} (a device),
 * else to the CPU's {@link TrainingKernels}; the LoRA products and the RMSNorm gradient run here.
 */
final class TrainingOps implements AutoCloseable {
  private final Backend backend;
  private final TrainingKernels kernels;

  TrainingOps(Backend backend, int threads) {
    this.backend = backend;
    this.kernels = new TrainingKernels(threads);
  }

  Backend backend() {
    return backend;
  }

  TrainingKernels kernels() {
    return kernels;
  }

  /**
   * {@code y = x·w + bias} for {@code x [rows, k]}, {@code w [k, n]}. {@code frozen}: {@code w} is
   * a base weight that the device may keep resident.
   */
  void matmulKn(float[] x, int rows, Weights w, float[] bias, float[] y, boolean frozen) {
    if (backend.runsTraining()) {
      backend.matmulKn(x, rows, w, bias, y, frozen);
    } else {
      kernels.matmulKn(x, rows, w, bias, y);
    }
  }

  /**
   * {@code shrunk[t, r] = x · Aᵀ}. On a training backend as {@code x · (Aᵀ)} with Aᵀ sent for this
   * call only: A changes every step, so it must not be kept by identity.
   */
  void loraShrink(float[] x, int t, LoraParameter p, float[] shrunk) {
    if (backend.runsTraining()) {
      backend.matmulKn(
          x, t, Weights.f32(p.in, p.rank, transpose(p.a, p.rank, p.in)), null, shrunk, false);
    } else {
      backend.matmul(x, t, Weights.f32(p.rank, p.in, p.a), null, shrunk);
    }
  }

  /** {@code g[t, r] = dY · B} (B is {@code [out, r]}, already the {@code [k, n]} layout). */
  void loraTimesB(float[] dy, int t, LoraParameter p, float[] g) {
    if (backend.runsTraining()) {
      backend.matmulKn(dy, t, Weights.f32(p.out, p.rank, p.b), null, g, false);
    } else {
      backend.matmul(dy, t, Weights.f32(p.rank, p.out, transpose(p.b, p.out, p.rank)), null, g);
    }
  }

  /**
   * {@code y[t, :] += (s · Σ_j u[t, j] · rows[j, :]) ⊙ mask[t, :]} for {@code u [T, r]} and {@code
   * rows [r, n]}: a rank-r product as r row updates per token (no length-r dot products and their
   * lane reductions); mask may be null. Parallel over tokens, j in order.
   */
  void addProduct(
      float[] u, float s, float[] rows, int r, int n, int tokens, float[] y, float[] mask) {
    kernels.forRange(
        tokens,
        (long) r * n,
        (from, to) -> {
          float[] acc = mask == null ? null : new float[n];
          for (int t = from; t < to; t++) {
            float[] target = mask == null ? y : acc;
            int off = mask == null ? t * n : 0;
            if (acc != null) {
              Arrays.fill(acc, 0f);
            }
            for (int j = 0; j < r; j++) {
              TrainingKernels.axpy(s * u[t * r + j], rows, j * n, target, off, n);
            }
            if (mask != null) {
              for (int i = 0; i < n; i++) {
                y[t * n + i] += acc[i] * mask[t * n + i];
              }
            }
          }
        });
  }

  /**
   * Adds the RMSNorm input gradient to {@code dx}: for {@code y = w ⊙ z · ρ}, {@code ρ = (mean(z²)
   * + ε)^(−1/2)}: {@code dz = ρ·(w ⊙ dy) − z·ρ³·(Σ w ⊙ dy ⊙ z)/dim} (per row, fp64 sums).
   */
  void rmsNormBackward(
      float[] z, float[] w, float[] dy, int rows, int dim, double eps, float[] dx) {
    kernels.forRange(
        rows,
        4L * dim,
        (from, to) -> {
          for (int t = from; t < to; t++) {
            int o = t * dim;
            double ss = 0;
            double dot = 0;
            for (int i = 0; i < dim; i++) {
              double zi = z[o + i];
              ss += zi * zi;
              dot += (double) w[i] * dy[o + i] * zi;
            }
            double rho = 1 / Math.sqrt(ss / dim + eps);
            double c = rho * rho * rho * dot / dim;
            for (int i = 0; i < dim; i++) {
              dx[o + i] += (float) (rho * w[i] * dy[o + i] - z[o + i] * c);
            }
          }
        });
  }

  static float[] transpose(float[] m, int rows, int cols) {
    float[] t = new float[m.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = m[r * cols + c];
      }
    }
    return t;
  }

  @Override
  public void close() {
    kernels.close();
  }
}
