package io.lorafleet.engine.testmodels;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random Llama-family model as a real HF directory ({@code config.json}, {@code
 * model.safetensors}, {@code tokenizer.json}, {@code tokenizer_config.json}), deterministic in the
 * spec's seed. Linear weights are uniform with unit output variance and norms near 1, so
 * activations and logits have a realistic O(1) scale rather than the near-zero of a 0.02 init.
 */
public final class TestModelGenerator {
  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private TestModelGenerator() {}

  /**
   * {@code TestModelGenerator <llamaGqa|qwen2TiedBias|llama3Rope> <dir>}: for tests in modules that
   * must not link the engine (they run this in a child JVM).
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: TestModelGenerator <llamaGqa|qwen2TiedBias|llama3Rope> <dir>");
      System.exit(2);
    }
    TestModelSpec spec =
        switch (args[0]) {
          case "llamaGqa" -> TestModelSpec.llamaGqa();
          case "qwen2TiedBias" -> TestModelSpec.qwen2TiedBias();
          case "llama3Rope" -> TestModelSpec.llama3Rope();
          default -> throw new IllegalArgumentException("unknown test model " + args[0]);
        };
    write(spec, Path.of(args[1]));
  }

  public static Path write(TestModelSpec spec, Path dir) throws IOException {
    Files.createDirectories(dir);
    int tokenizerSize = TokenizerFiles.write(dir, spec.vocabSize());
    Files.write(dir.resolve("config.json"), MAPPER.writeValueAsBytes(config(spec, tokenizerSize)));
    SplittableRandom rnd = new SplittableRandom(spec.seed());
    List<Tensor> tensors = new ArrayList<>();
    int h = spec.hiddenSize();
    int q = spec.heads() * spec.headDim();
    int kv = spec.kvHeads() * spec.headDim();
    int inter = spec.intermediateSize();
    tensors.add(uniform(spec, "model.embed_tokens.weight", rnd, 1.0, spec.vocabSize(), h));
    for (int l = 0; l < spec.layers(); l++) {
      String p = "model.layers." + l + ".";
      tensors.add(norm(spec, p + "input_layernorm.weight", rnd, h));
      tensors.add(linear(spec, p + "self_attn.q_proj.weight", rnd, q, h));
      tensors.add(linear(spec, p + "self_attn.k_proj.weight", rnd, kv, h));
      tensors.add(linear(spec, p + "self_attn.v_proj.weight", rnd, kv, h));
      if (spec.qkvBias()) {
        tensors.add(uniform(spec, p + "self_attn.q_proj.bias", rnd, 0.1, q));
        tensors.add(uniform(spec, p + "self_attn.k_proj.bias", rnd, 0.1, kv));
        tensors.add(uniform(spec, p + "self_attn.v_proj.bias", rnd, 0.1, kv));
      }
      tensors.add(linear(spec, p + "self_attn.o_proj.weight", rnd, h, q));
      tensors.add(norm(spec, p + "post_attention_layernorm.weight", rnd, h));
      tensors.add(linear(spec, p + "mlp.gate_proj.weight", rnd, inter, h));
      tensors.add(linear(spec, p + "mlp.up_proj.weight", rnd, inter, h));
      tensors.add(linear(spec, p + "mlp.down_proj.weight", rnd, h, inter));
    }
    tensors.add(norm(spec, "model.norm.weight", rnd, h));
    if (!spec.tieEmbeddings()) {
      tensors.add(linear(spec, "lm_head.weight", rnd, spec.vocabSize(), h));
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    return dir;
  }

  /** The special tokens are the tokenizer's last three ids: endoftext, im_start, im_end. */
  static Map<String, Object> config(TestModelSpec s, int tokenizerSize) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architectures", List.of(s.architecture()));
    c.put(
        "model_type",
        switch (s.architecture()) {
          case "Qwen2ForCausalLM" -> "qwen2";
          case "MistralForCausalLM" -> "mistral";
          default -> "llama";
        });
    c.put("hidden_act", "silu");
    c.put("hidden_size", s.hiddenSize());
    c.put("intermediate_size", s.intermediateSize());
    c.put("num_hidden_layers", s.layers());
    c.put("num_attention_heads", s.heads());
    c.put("num_key_value_heads", s.kvHeads());
    c.put("head_dim", s.headDim());
    c.put("vocab_size", s.vocabSize());
    c.put("max_position_embeddings", 2048);
    c.put("rms_norm_eps", s.rmsNormEps());
    c.put("rope_theta", s.ropeTheta());
    c.put(
        "rope_scaling",
        s.ropeScaling()
            .map(
                r -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("rope_type", r.type());
                  m.put("factor", r.factor());
                  m.put("low_freq_factor", r.lowFreqFactor());
                  m.put("high_freq_factor", r.highFreqFactor());
                  m.put("original_max_position_embeddings", r.originalMaxPositionEmbeddings());
                  return m;
                })
            .orElse(null));
    c.put("tie_word_embeddings", s.tieEmbeddings());
    c.put("attention_bias", s.qkvBias());
    c.put("bos_token_id", tokenizerSize - TokenizerFiles.SPECIALS.size());
    c.put("eos_token_id", tokenizerSize - 1);
    c.put("torch_dtype", s.dtype() == DType.BF16 ? "bfloat16" : "float32");
    return c;
  }

  private static Tensor linear(TestModelSpec s, String name, SplittableRandom r, int out, int in) {
    return uniform(s, name, r, Math.sqrt(3.0 / in), out, in);
  }

  private static Tensor norm(TestModelSpec s, String name, SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (1 + r.nextDouble(-0.2, 0.2));
    }
    return Tensor.ofFloats(name, s.dtype(), List.of((long) n), v);
  }

  private static Tensor uniform(
      TestModelSpec s, String name, SplittableRandom r, double bound, int... shape) {
    long n = 1;
    List<Long> dims = new ArrayList<>();
    for (int d : shape) {
      n *= d;
      dims.add((long) d);
    }
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble(-bound, bound);
    }
    return Tensor.ofFloats(name, s.dtype(), dims, v);
  }
}
