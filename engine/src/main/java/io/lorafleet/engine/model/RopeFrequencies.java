package io.lorafleet.engine.model;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.hf.RopeScaling;

/**
 * The rotary inverse frequencies of a config, including {@code linear} and {@code llama3} scaling.
 */
public final class RopeFrequencies {
  private RopeFrequencies() {}

  /** {@code inv_freq[i] = θ^(−2i/d)}, rescaled as transformers' rope init functions do. */
  public static float[] of(ModelConfig config) {
    int d = config.headDim();
    float[] inv = new float[d / 2];
    for (int i = 0; i < inv.length; i++) {
      // transformers computes base ** (arange(0, d, 2).float() / d) in fp32, then 1.0 / that.
      float exponent = (float) (2 * i) / d;
      inv[i] = (float) (1.0 / (float) Math.pow(config.ropeTheta(), exponent));
    }
    config.ropeScaling().ifPresent(s -> rescale(inv, s));
    return inv;
  }

  private static void rescale(float[] inv, RopeScaling s) {
    switch (s.type()) {
      case "linear" -> {
        for (int i = 0; i < inv.length; i++) {
          inv[i] = (float) (inv[i] / s.factor());
        }
      }
      case "llama3" -> llama3(inv, s);
      default -> throw new IllegalArgumentException("rope_scaling " + s.type() + " is unsupported");
    }
  }

  /**
   * Llama 3.1: long wavelengths are divided by {@code factor}, short ones kept, and the band
   * between interpolated smoothly (transformers {@code _compute_llama3_parameters}).
   */
  private static void llama3(float[] inv, RopeScaling s) {
    double old = s.originalMaxPositionEmbeddings();
    double lowWavelen = old / s.lowFreqFactor();
    double highWavelen = old / s.highFreqFactor();
    for (int i = 0; i < inv.length; i++) {
      double f = inv[i];
      double wavelen = 2 * Math.PI / f;
      if (wavelen > lowWavelen) {
        inv[i] = (float) (f / s.factor());
      } else if (wavelen >= highWavelen) {
        double smooth =
            (old / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        inv[i] = (float) ((1 - smooth) * f / s.factor() + smooth * f);
      }
    }
  }
}
