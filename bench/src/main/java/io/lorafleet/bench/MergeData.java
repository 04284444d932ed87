package io.lorafleet.bench;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.LinearShape;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The merge benchmark's inputs: four random rank-16 adapters (alpha 32) on all seven linear modules
 * of a Qwen2.5-0.5B-shaped model (hidden 896, intermediate 4864, 24 layers, 14/2 heads of 64, vocab
 * 151936, tied embeddings, QKV bias), generated in memory, with merge weights 0.4, 0.3, 0.2, 0.1;
 * and, for merge-into-base, that model's weights as one BF16 safetensors file.
 */
public final class MergeData {
  public static final int SOURCES = 4;
  public static final int RANK = 16;
  public static final double[] WEIGHTS = {0.4, 0.3, 0.2, 0.1};
  static final List<String> ALL_LINEAR =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /** Qwen2.5-0.5B's config.json values that shape the linear layers. */
  public static final ModelConfig QWEN25_0_5B =
      new ModelConfig(
          "Qwen2ForCausalLM",
          "qwen2",
          896,
          4864,
          24,
          14,
          2,
          64,
          151936,
          32768,
          1e-6,
          1_000_000,
          Optional.empty(),
          true,
          true,
          false,
          DType.BF16);

  private MergeData() {}

  /** The four sources restricted to the first {@code layers} layers (all 24 when 24). */
  public static List<Source> sources(int layers) {
    List<Source> sources = new ArrayList<>();
    for (int i = 0; i < SOURCES; i++) {
      LoraAdapter full =
          TestAdapterGenerator.generate(
              TestAdapterGenerator.Spec.simple(RANK, 2.0 * RANK, ALL_LINEAR, 7000 + i),
              QWEN25_0_5B);
      Map<ModuleKey, LoraWeights> kept = new LinkedHashMap<>();
      full.modules()
          .forEach(
              (k, w) -> {
                if (k.layer() < layers) {
                  kept.put(k, w);
                }
              });
      sources.add(new Source(new LoraAdapter(full.config(), kept, full.dtype()), WEIGHTS[i]));
    }
    return sources;
  }

  /** Float parameters of the adapted modules of one source over {@code layers} layers. */
  public static long adapterParameters(int layers) {
    long n = 0;
    for (LinearModule m : LinearModule.values()) {
      if (m.inDecoderLayer()) {
        LinearShape s = QWEN25_0_5B.shape(m);
        n += RANK * (s.in() + s.out());
      }
    }
    return n * layers;
  }

  /**
   * Writes a random BF16 Qwen2.5-0.5B-shaped {@code model.safetensors} (embeddings, norms, biases
   * and linear weights uniform in ±1/sqrt(in)) and its config.json into {@code dir}.
   */
  public static Path writeModel(Path dir) throws IOException {
    Files.createDirectories(dir);
    ModelConfig c = QWEN25_0_5B;
    SplittableRandom rnd = new SplittableRandom(505);
    List<Tensor> tensors = new ArrayList<>();
    int h = c.hiddenSize();
    tensors.add(tensor("model.embed_tokens.weight", rnd, c.vocabSize(), h));
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      String p = "model.layers." + l + ".";
      tensors.add(tensor(p + "input_layernorm.weight", rnd, 1, h));
      tensors.add(tensor(p + "post_attention_layernorm.weight", rnd, 1, h));
      for (LinearModule m : LinearModule.values()) {
        if (m.inDecoderLayer()) {
          LinearShape s = c.shape(m);
          tensors.add(tensor(m.path(l) + ".weight", rnd, (int) s.out(), (int) s.in()));
        }
      }
      for (LinearModule m :
          List.of(LinearModule.Q_PROJ, LinearModule.K_PROJ, LinearModule.V_PROJ)) {
        tensors.add(tensor(m.path(l) + ".bias", rnd, 1, (int) c.shape(m).out()));
      }
    }
    tensors.add(tensor("model.norm.weight", rnd, 1, h));
    SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    Files.writeString(
        dir.resolve("config.json"),
        """
        {"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","hidden_size":896,
         "intermediate_size":4864,"num_hidden_layers":24,"num_attention_heads":14,
         "num_key_value_heads":2,"vocab_size":151936,"tie_word_embeddings":true,
         "rms_norm_eps":1e-06,"rope_theta":1000000.0,"torch_dtype":"bfloat16"}
        """);
    return dir;
  }

  private static Tensor tensor(String name, SplittableRandom rnd, int rows, int cols) {
    float[] v = new float[rows * cols];
    double bound = 1 / Math.sqrt(cols);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextDouble(-bound, bound);
    }
    List<Long> shape = rows == 1 ? List.of((long) cols) : List.of((long) rows, (long) cols);
    return Tensor.ofFloats(name, DType.BF16, shape, v);
  }
}
