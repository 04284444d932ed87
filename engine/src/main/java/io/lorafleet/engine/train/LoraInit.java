package io.lorafleet.engine.train;

import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.merge.Philox;
import io.lorafleet.engine.merge.Svd;
import io.lorafleet.engine.model.LayerWeights;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.ModelWeights;
import java.util.ArrayList;
import java.util.List;

/** The starting values of A and B, and the frozen base they train on. */
final class LoraInit {
  private LoraInit() {}

  /** Initialises {@code parameters} as {@code options.init()} says; returns the frozen base. */
  static LlamaModel apply(
      LlamaModel model, LoraParameters parameters, LoraTrainingOptions options) {
    return options.init() == LoraTrainingOptions.Init.PISSA
        ? pissa(model, parameters, options)
        : standard(model, parameters, options);
  }

  /** A Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in), as PEFT; B zero. */
  private static LlamaModel standard(
      LlamaModel model, LoraParameters parameters, LoraTrainingOptions options) {
    for (LoraParameter p : parameters.all()) {
      double bound = 1 / Math.sqrt(p.in);
      for (int i = 0; i < p.a.length; i++) {
        double u = Philox.uniform(options.seed(), p.tensorId(), -1, i);
        p.a[i] = (float) ((2 * u - 1) * bound);
      }
    }
    return model;
  }

  /** PiSSA (PEFT pissa_init): A, B from the top-r SVD of W; the base becomes W − s·B·A. */
  private static LlamaModel pissa(
      LlamaModel model, LoraParameters parameters, LoraTrainingOptions options) {
    ModelWeights mw = model.weights();
    List<LayerWeights> layers = new ArrayList<>(mw.layers());
    double s = options.scale();
    for (LoraParameter p : parameters.all()) {
      LayerWeights lw = layers.get(p.key.layer());
      Weights w = lw.linear(p.key.module());
      double[] dense = new double[p.out * p.in];
      for (int o = 0; o < p.out; o++) {
        for (int i = 0; i < p.in; i++) {
          dense[o * p.in + i] = w.get(o, i);
        }
      }
      Svd svd = Svd.of(dense, p.out, p.in);
      int r = p.rank;
      if (svd.k() < r) {
        throw new IllegalArgumentException(
            "PiSSA rank " + r + " exceeds min(out, in) = " + svd.k() + " of " + p.key);
      }
      for (int j = 0; j < r; j++) {
        double root = Math.sqrt(svd.s()[j] / s);
        for (int i = 0; i < p.in; i++) {
          p.a[j * p.in + i] = (float) (root * svd.v()[i * svd.k() + j]);
        }
        for (int o = 0; o < p.out; o++) {
          p.b[o * r + j] = (float) (svd.u()[o * svd.k() + j] * root);
        }
      }
      p.initialA = p.a.clone();
      p.initialB = p.b.clone();
      float[] res = new float[p.out * p.in];
      for (int o = 0; o < p.out; o++) {
        for (int i = 0; i < p.in; i++) {
          double ba = 0;
          for (int j = 0; j < r; j++) {
            ba += (double) p.b[o * r + j] * p.a[j * p.in + i];
          }
          res[o * p.in + i] = (float) (dense[o * p.in + i] - s * ba);
        }
      }
      layers.set(p.key.layer(), lw.with(p.key.module(), Weights.f32(p.out, p.in, res)));
    }
    return model.withWeights(
        new ModelWeights(mw.embedTokens(), layers, mw.finalNorm(), mw.lmHead()));
  }
}
