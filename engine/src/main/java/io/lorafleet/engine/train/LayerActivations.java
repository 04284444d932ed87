package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;

/** What the backward pass of one layer needs from its (re)computed forward. */
final class LayerActivations {
  float[] x;
  float[] n1;
  float[] q;
  float[] k;
  float[] v;
  float[] probs;
  float[] attn;
  float[] x2;
  float[] n2;
  float[] g;
  float[] u;
  float[] act;

  /** Per module ordinal: the dropped-out LoRA input, its mask (0 or 1/(1−p)), and x·Aᵀ. */
  final float[][] loraIn = new float[LinearModule.values().length][];

  final float[][] mask = new float[LinearModule.values().length][];
  final float[][] shrunk = new float[LinearModule.values().length][];

  /** Bytes held beyond the layer input. */
  long bytes() {
    long n = 0;
    for (float[] a : new float[][] {n1, q, k, v, probs, attn, x2, n2, g, u, act}) {
      n += a.length;
    }
    for (float[][] per : new float[][][] {loraIn, mask, shrunk}) {
      for (float[] a : per) {
        n += a == null || a == x || a == n1 || a == attn || a == n2 || a == act ? 0 : a.length;
      }
    }
    return 4 * n;
  }
}
