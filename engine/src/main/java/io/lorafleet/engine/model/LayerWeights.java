package io.lorafleet.engine.model;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.engine.backend.Weights;

/** One decoder layer's weights; q/k/v biases are null unless the config has attention bias. */
public record LayerWeights(
    float[] inputNorm,
    Weights q,
    Weights k,
    Weights v,
    Weights o,
    float[] qBias,
    float[] kBias,
    float[] vBias,
    float[] postAttentionNorm,
    Weights gate,
    Weights up,
    Weights down) {

  public Weights linear(LinearModule m) {
    return switch (m) {
      case Q_PROJ -> q;
      case K_PROJ -> k;
      case V_PROJ -> v;
      case O_PROJ -> o;
      case GATE_PROJ -> gate;
      case UP_PROJ -> up;
      case DOWN_PROJ -> down;
      case LM_HEAD -> throw new IllegalArgumentException("lm_head is not in a decoder layer");
    };
  }

  /** A copy with one linear module replaced (used to build merged weights). */
  public LayerWeights with(LinearModule m, Weights w) {
    return new LayerWeights(
        inputNorm,
        m == LinearModule.Q_PROJ ? w : q,
        m == LinearModule.K_PROJ ? w : k,
        m == LinearModule.V_PROJ ? w : v,
        m == LinearModule.O_PROJ ? w : o,
        qBias,
        kBias,
        vBias,
        postAttentionNorm,
        m == LinearModule.GATE_PROJ ? w : gate,
        m == LinearModule.UP_PROJ ? w : up,
        m == LinearModule.DOWN_PROJ ? w : down);
  }
}
