package io.lorafleet.engine.model;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.engine.backend.Weights;
import java.util.List;

/** All weights of a Llama-family model; {@code lmHead} is the embedding itself when tied. */
public record ModelWeights(
    Weights embedTokens, List<LayerWeights> layers, float[] finalNorm, Weights lmHead) {
  public ModelWeights {
    layers = List.copyOf(layers);
  }

  public Weights linear(int layer, LinearModule m) {
    return m == LinearModule.LM_HEAD ? lmHead : layers.get(layer).linear(m);
  }

  /** Bytes read per decode step for the weights (every matrix once, the head once). */
  public long bytesPerToken() {
    long n = lmHead.byteSize();
    for (LayerWeights l : layers) {
      for (LinearModule m : LinearModule.values()) {
        if (m.inDecoderLayer()) {
          n += l.linear(m).byteSize();
        }
      }
    }
    return n;
  }
}
