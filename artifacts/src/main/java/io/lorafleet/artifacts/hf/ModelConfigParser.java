package io.lorafleet.artifacts.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lorafleet.artifacts.json.StrictJson;
import io.lorafleet.artifacts.safetensors.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Parses {@code config.json} into a {@link ModelConfig}, refusing what we cannot run. */
public final class ModelConfigParser {
  public static final String FILE_NAME = "config.json";

  private static final Map<String, String> ARCHITECTURES =
      Map.of(
          "LlamaForCausalLM", "llama",
          "MistralForCausalLM", "mistral",
          "Qwen2ForCausalLM", "qwen2");

  private static final Map<String, DType> TORCH_DTYPES =
      Map.of("float32", DType.F32, "bfloat16", DType.BF16, "float16", DType.F16);

  private ModelConfigParser() {}

  public static ModelConfig read(Path file) throws IOException {
    return parse(Files.readAllBytes(file));
  }

  public static ModelConfig parse(byte[] bytes) {
    StrictJson j = new StrictJson(FILE_NAME, ModelConfigException::new);
    JsonNode root = j.object(bytes);

    JsonNode archs = root.get("architectures");
    if (archs == null || !archs.isArray() || archs.size() != 1 || !archs.get(0).isTextual()) {
      throw j.fail("'architectures' must list exactly one architecture");
    }
    String arch = archs.get(0).textValue();
    String expectedType = ARCHITECTURES.get(arch);
    if (expectedType == null) {
      throw j.fail(
          "architecture "
              + arch
              + " is not supported (supported: "
              + String.join(", ", ARCHITECTURES.keySet().stream().sorted().toList())
              + ")");
    }
    String modelType = j.string(root, "model_type", expectedType);
    String act = j.string(root, "hidden_act", "silu");
    if (!act.equals("silu")) {
      throw j.fail("hidden_act " + act + " is not supported (only silu)");
    }

    int hidden = j.integer(root, "hidden_size", -1, 1);
    int heads = j.integer(root, "num_attention_heads", -1, 1);
    int kvHeads = j.integer(root, "num_key_value_heads", heads, 1);
    if (heads % kvHeads != 0) {
      throw j.fail(
          "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
    }
    int headDim;
    if (StrictJson.absent(root, "head_dim")) {
      if (hidden % heads != 0) {
        throw j.fail(
            "hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
      }
      headDim = hidden / heads;
    } else {
      headDim = j.integer(root, "head_dim", -1, 1);
    }

    boolean qwen2 = arch.equals("Qwen2ForCausalLM");
    return new ModelConfig(
        arch,
        modelType,
        hidden,
        j.integer(root, "intermediate_size", -1, 1),
        j.integer(root, "num_hidden_layers", -1, 1),
        heads,
        kvHeads,
        headDim,
        j.integer(root, "vocab_size", -1, 1),
        j.integer(root, "max_position_embeddings", 2048, 1),
        j.number(root, "rms_norm_eps", 1e-6, true),
        ropeTheta(j, root),
        ropeScaling(j, root),
        j.bool(root, "tie_word_embeddings", false),
        // Qwen2 always has q/k/v biases; Llama exposes it as attention_bias.
        qwen2 || j.bool(root, "attention_bias", false),
        j.bool(root, "mlp_bias", false),
        dtype(j, root));
  }

  private static double ropeTheta(StrictJson j, JsonNode root) {
    return j.number(root, "rope_theta", 10000.0, true);
  }

  private static Optional<RopeScaling> ropeScaling(StrictJson j, JsonNode root) {
    if (StrictJson.absent(root, "rope_scaling")) {
      return Optional.empty();
    }
    JsonNode rs = root.get("rope_scaling");
    if (!rs.isObject()) {
      throw j.fail("'rope_scaling' must be an object or null");
    }
    // transformers renamed "type" to "rope_type"; both appear in published configs.
    String type = j.string(rs, "rope_type", j.string(rs, "type", "default"));
    return switch (type) {
      case "default" -> Optional.empty();
      case "linear" ->
          Optional.of(new RopeScaling(type, j.number(rs, "factor", Double.NaN, true), 0, 0, 0));
      case "llama3" ->
          Optional.of(
              new RopeScaling(
                  type,
                  j.number(rs, "factor", Double.NaN, true),
                  j.number(rs, "low_freq_factor", Double.NaN, true),
                  j.number(rs, "high_freq_factor", Double.NaN, true),
                  j.integer(rs, "original_max_position_embeddings", -1, 1)));
      default ->
          throw j.fail(
              "rope_scaling type " + type + " is not supported (supported: linear, llama3)");
    };
  }

  private static DType dtype(StrictJson j, JsonNode root) {
    // Newer transformers write "dtype", older ones "torch_dtype".
    String name = j.string(root, "dtype", j.string(root, "torch_dtype", "float32"));
    DType d = TORCH_DTYPES.get(name);
    if (d == null) {
      throw j.fail("dtype " + name + " is not supported (supported: float32, bfloat16, float16)");
    }
    return d;
  }
}
