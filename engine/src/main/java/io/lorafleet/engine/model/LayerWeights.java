package io.lorafleet.engine.model;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.engine.backend.Weights;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * One decoder layer's weights. {@code biases} holds the linear layers that have one: q/k/v for
 * Qwen2 and for Llama's {@code attention_bias} (which also biases o_proj), gate/up/down for {@code
 * mlp_bias}.
 */
public record LayerWeights(
    float[] inputNorm,
    Weights q,
    Weights k,
    Weights v,
    Weights o,
    float[] postAttentionNorm,
    Weights gate,
    Weights up,
    Weights down,
    Map<LinearModule, float[]> biases) {

  public LayerWeights {
    biases =
        Collections.unmodifiableMap(
            biases.isEmpty() ? new EnumMap<>(LinearModule.class) : new EnumMap<>(biases));
  }

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

  /** The bias of a linear layer, or null when it has none. */
  public float[] bias(LinearModule m) {
    return biases.get(m);
  }

  /** A copy with one linear module replaced (used to build merged weights). */
  public LayerWeights with(LinearModule m, Weights w) {
    return new LayerWeights(
        inputNorm,
        m == LinearModule.Q_PROJ ? w : q,
        m == LinearModule.K_PROJ ? w : k,
        m == LinearModule.V_PROJ ? w : v,
        m == LinearModule.O_PROJ ? w : o,
        postAttentionNorm,
        m == LinearModule.GATE_PROJ ? w : gate,
        m == LinearModule.UP_PROJ ? w : up,
        m == LinearModule.DOWN_PROJ ? w : down,
        biases);
  }
}
