package io.lorafleet.engine.model;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.hf.ModelConfigParser;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFormatException;
import io.lorafleet.artifacts.safetensors.ShardedSafetensors;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import io.lorafleet.engine.backend.Q8Blocks;
import io.lorafleet.engine.backend.Weights;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Loads an HF model directory ({@code config.json} + safetensors) into {@link ModelWeights}. */
public final class ModelLoader {
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private ModelLoader() {}

  public static ModelConfig config(Path dir) throws IOException {
    return ModelConfigParser.read(dir.resolve(ModelConfigParser.FILE_NAME));
  }

  public static ModelWeights weights(Path dir, ModelConfig c, WeightPrecision precision)
      throws IOException {
    try (ShardedSafetensors st = ShardedSafetensors.open(dir)) {
      Reader r = new Reader(st, precision);
      int h = c.hiddenSize();
      int q = c.numAttentionHeads() * c.headDim();
      int kv = c.numKeyValueHeads() * c.headDim();
      int inter = c.intermediateSize();
      List<LayerWeights> layers = new ArrayList<>();
      for (int i = 0; i < c.numHiddenLayers(); i++) {
        String p = "model.layers." + i + ".";
        layers.add(
            new LayerWeights(
                r.vector(p + "input_layernorm.weight", h),
                r.matrix(p + "self_attn.q_proj.weight", q, h),
                r.matrix(p + "self_attn.k_proj.weight", kv, h),
                r.matrix(p + "self_attn.v_proj.weight", kv, h),
                r.matrix(p + "self_attn.o_proj.weight", h, q),
                r.vector(p + "post_attention_layernorm.weight", h),
                r.matrix(p + "mlp.gate_proj.weight", inter, h),
                r.matrix(p + "mlp.up_proj.weight", inter, h),
                r.matrix(p + "mlp.down_proj.weight", h, inter),
                biases(r, c, i)));
      }
      Weights embed = r.matrix("model.embed_tokens.weight", c.vocabSize(), h);
      // Tied checkpoints usually omit lm_head.weight; when present it is used as stored.
      Weights head =
          st.names().contains("lm_head.weight")
              ? r.matrix("lm_head.weight", c.vocabSize(), h)
              : tiedHead(c, embed);
      return new ModelWeights(embed, layers, r.vector("model.norm.weight", h), head);
    }
  }

  /**
   * q/k/v biases are required with attention bias (Qwen2, Llama {@code attention_bias}); o_proj's
   * is read when present (Llama's {@code attention_bias} has it, Qwen2 does not); gate/up/down
   * biases are required with {@code mlp_bias}.
   */
  private static Map<LinearModule, float[]> biases(Reader r, ModelConfig c, int layer) {
    Map<LinearModule, float[]> out = new EnumMap<>(LinearModule.class);
    for (LinearModule m : LinearModule.values()) {
      if (!m.inDecoderLayer()) {
        continue;
      }
      String name = m.path(layer) + ".bias";
      boolean attention = m.block().equals("self_attn");
      boolean required = attention ? c.attentionBias() && m != LinearModule.O_PROJ : c.mlpBias();
      if (required || (attention && c.attentionBias() && r.st().names().contains(name))) {
        out.put(m, r.vector(name, (int) c.shape(m).out()));
      }
    }
    return out;
  }

  private static Weights tiedHead(ModelConfig c, Weights embed) {
    if (!c.tieWordEmbeddings()) {
      throw new SafetensorsFormatException(
          "no tensor named 'lm_head.weight' and tie_word_embeddings is false");
    }
    return embed;
  }

  /** Reads tensors with shape checks, converting to the requested precision. */
  private record Reader(ShardedSafetensors st, WeightPrecision precision) {
    Weights matrix(String name, int rows, int cols) {
      TensorInfo t = checkShape(name, List.of((long) rows, (long) cols));
      if (t.dtype() == DType.BF16 && precision == WeightPrecision.AS_STORED) {
        short[] bits = new short[rows * cols];
        java.lang.foreign.MemorySegment.copy(st.data(name), LE_SHORT, 0, bits, 0, bits.length);
        return Weights.bf16(rows, cols, bits);
      }
      if (precision == WeightPrecision.INT8) {
        return Q8Blocks.quantize(rows, cols, st.readFloats(name));
      }
      return Weights.f32(rows, cols, st.readFloats(name));
    }

    float[] vector(String name, int n) {
      checkShape(name, List.of((long) n));
      return st.readFloats(name);
    }

    private TensorInfo checkShape(String name, List<Long> shape) {
      TensorInfo t = st.info(name);
      if (!t.shape().equals(shape)) {
        throw new SafetensorsFormatException(
            "tensor '" + name + "' has shape " + t.shape() + " but the config implies " + shape);
      }
      return t;
    }
  }
}
