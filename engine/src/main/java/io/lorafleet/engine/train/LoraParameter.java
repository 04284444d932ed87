package io.lorafleet.engine.train;

import io.lorafleet.artifacts.peft.ModuleKey;
import java.util.Arrays;

/**
 * One adapted module's trainable state: {@code A [rank, in]}, {@code B [out, rank]} (PEFT
 * orientation, unscaled), their accumulated gradients and AdamW moments.
 */
final class LoraParameter {
  final ModuleKey key;
  final int rank;
  final int in;
  final int out;
  final float[] a;
  final float[] b;
  final float[] gradA;
  final float[] gradB;
  final float[] expAvgA;
  final float[] expAvgSqA;
  final float[] expAvgB;
  final float[] expAvgSqB;
  // PiSSA's initial factors (null for standard init): the published adapter subtracts them.
  float[] initialA;
  float[] initialB;

  LoraParameter(ModuleKey key, int rank, int in, int out) {
    this.key = key;
    this.rank = rank;
    this.in = in;
    this.out = out;
    this.a = new float[rank * in];
    this.b = new float[out * rank];
    this.gradA = new float[a.length];
    this.gradB = new float[b.length];
    this.expAvgA = new float[a.length];
    this.expAvgSqA = new float[a.length];
    this.expAvgB = new float[b.length];
    this.expAvgSqB = new float[b.length];
  }

  String nameA() {
    return key.tensorName('A');
  }

  String nameB() {
    return key.tensorName('B');
  }

  /** Philox tensor id of this module: distinct per (layer, module). */
  int tensorId() {
    return key.layer() * 16 + key.module().ordinal();
  }

  void zeroGradients() {
    Arrays.fill(gradA, 0f);
    Arrays.fill(gradB, 0f);
  }
}
