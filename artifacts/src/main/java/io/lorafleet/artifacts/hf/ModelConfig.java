package io.lorafleet.artifacts.hf;

import io.lorafleet.artifacts.safetensors.DType;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of an HF {@code config.json} that a Llama-family model (Llama, Mistral, Qwen2) needs,
 * with the defaults that transformers applies when a key is absent.
 */
public record ModelConfig(
    String architecture,
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    int vocabSize,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    Optional<RopeScaling> ropeScaling,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean mlpBias,
    DType dtype) {

  /** Query heads per key/value head (1 without GQA). */
  public int queryGroups() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Shape of every linear layer LoRA may target. */
  public Map<LinearModule, LinearShape> linearShapes() {
    long q = (long) numAttentionHeads * headDim;
    long kv = (long) numKeyValueHeads * headDim;
    Map<LinearModule, LinearShape> m = new EnumMap<>(LinearModule.class);
    m.put(LinearModule.Q_PROJ, new LinearShape(q, hiddenSize));
    m.put(LinearModule.K_PROJ, new LinearShape(kv, hiddenSize));
    m.put(LinearModule.V_PROJ, new LinearShape(kv, hiddenSize));
    m.put(LinearModule.O_PROJ, new LinearShape(hiddenSize, q));
    m.put(LinearModule.GATE_PROJ, new LinearShape(intermediateSize, hiddenSize));
    m.put(LinearModule.UP_PROJ, new LinearShape(intermediateSize, hiddenSize));
    m.put(LinearModule.DOWN_PROJ, new LinearShape(hiddenSize, intermediateSize));
    m.put(LinearModule.LM_HEAD, new LinearShape(vocabSize, hiddenSize));
    return m;
  }

  public LinearShape shape(LinearModule module) {
    return linearShapes().get(module);
  }

  /** Parameters of the base model (embeddings, layers, norms, head unless tied). */
  public long parameterCount() {
    Map<LinearModule, LinearShape> s = linearShapes();
    long perLayer = 2L * hiddenSize; // two RMSNorm weights
    for (LinearModule m : LinearModule.values()) {
      if (m.inDecoderLayer()) {
        perLayer += s.get(m).out() * s.get(m).in();
      }
    }
    if (attentionBias) {
      perLayer += s.get(LinearModule.Q_PROJ).out() + 2 * s.get(LinearModule.K_PROJ).out();
    }
    long embed = (long) vocabSize * hiddenSize;
    return embed + perLayer * numHiddenLayers + hiddenSize + (tieWordEmbeddings ? 0 : embed);
  }
}
