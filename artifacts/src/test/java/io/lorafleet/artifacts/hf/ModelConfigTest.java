package io.lorafleet.artifacts.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.Fixtures;
import io.lorafleet.artifacts.safetensors.DType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

  static final String LLAMA_3_2_1B =
      """
      {"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":2048,
       "intermediate_size":8192,"num_attention_heads":32,"num_hidden_layers":16,
       "num_key_value_heads":8,"head_dim":64,"vocab_size":128256,"rms_norm_eps":1e-05,
       "rope_theta":500000.0,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
       "max_position_embeddings":131072,"hidden_act":"silu","attention_bias":false,
       "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
         "original_max_position_embeddings":8192,"rope_type":"llama3"}}
      """;

  static final String QWEN2_0_5B =
      """
      {"architectures":["Qwen2ForCausalLM"],"hidden_size":896,"intermediate_size":4864,
       "num_attention_heads":14,"num_hidden_layers":24,"num_key_value_heads":2,
       "vocab_size":151936,"rope_theta":1000000.0,"tie_word_embeddings":true,
       "torch_dtype":"bfloat16","rms_norm_eps":1e-06}
      """;

  static ModelConfig parse(String json) {
    return ModelConfigParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void tinyLlamaFixture() throws IOException {
    ModelConfig c = ModelConfigParser.read(Fixtures.tinyLlamaPeft().resolve("config.json"));
    assertThat(c.architecture()).isEqualTo("LlamaForCausalLM");
    assertThat(c.numHiddenLayers()).isEqualTo(22);
    assertThat(c.queryGroups()).isEqualTo(8);
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.ropeScaling()).isEmpty();
    assertThat(c.dtype()).isEqualTo(DType.BF16);
    assertThat(c.shape(LinearModule.Q_PROJ)).isEqualTo(new LinearShape(2048, 2048));
    assertThat(c.shape(LinearModule.K_PROJ)).isEqualTo(new LinearShape(256, 2048));
    assertThat(c.shape(LinearModule.V_PROJ)).isEqualTo(new LinearShape(256, 2048));
    assertThat(c.shape(LinearModule.DOWN_PROJ)).isEqualTo(new LinearShape(2048, 5632));
    assertThat(c.shape(LinearModule.LM_HEAD)).isEqualTo(new LinearShape(32000, 2048));
    assertThat(c.parameterCount()).as("published TinyLlama-1.1B count").isEqualTo(1_100_048_384L);
  }

  @Test
  void llama32WithLlama3RopeScalingAndTiedEmbeddings() {
    ModelConfig c = parse(LLAMA_3_2_1B);
    assertThat(c.ropeScaling())
        .hasValueSatisfying(
            r -> {
              assertThat(r.type()).isEqualTo("llama3");
              assertThat(r.factor()).isEqualTo(32.0);
              assertThat(r.lowFreqFactor()).isEqualTo(1.0);
              assertThat(r.highFreqFactor()).isEqualTo(4.0);
              assertThat(r.originalMaxPositionEmbeddings()).isEqualTo(8192);
            });
    assertThat(c.ropeTheta()).isEqualTo(500000.0);
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.shape(LinearModule.K_PROJ)).isEqualTo(new LinearShape(512, 2048));
    assertThat(c.parameterCount()).as("published Llama-3.2-1B count").isEqualTo(1_235_814_400L);
  }

  @Test
  void qwen2HasQkvBiasAndDefaults() {
    ModelConfig c = parse(QWEN2_0_5B);
    assertThat(c.attentionBias()).isTrue();
    assertThat(c.modelType()).isEqualTo("qwen2");
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.shape(LinearModule.V_PROJ)).isEqualTo(new LinearShape(128, 896));
    assertThat(c.parameterCount()).as("published Qwen2-0.5B count").isEqualTo(494_032_768L);
  }

  @Test
  void mistralDefaultsKvHeadsToHeads() {
    ModelConfig c =
        parse(
            """
            {"architectures":["MistralForCausalLM"],"hidden_size":64,"intermediate_size":128,
             "num_attention_heads":4,"num_hidden_layers":2,"vocab_size":100}
            """);
    assertThat(c.numKeyValueHeads()).isEqualTo(4);
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
    assertThat(c.dtype()).isEqualTo(DType.F32);
  }

  @Test
  void refusesWhatItCannotRunWithSpecificMessages() {
    assertThatThrownBy(() -> parse("{\"architectures\":[\"GPT2LMHeadModel\"]}"))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("architecture GPT2LMHeadModel is not supported");
    assertThatThrownBy(
            () ->
                parse(QWEN2_0_5B.replace("\"num_key_value_heads\":2", "\"num_key_value_heads\":3")))
        .hasMessageContaining("num_attention_heads 14 is not a multiple of num_key_value_heads 3");
    assertThatThrownBy(() -> parse(QWEN2_0_5B.replace("\"hidden_size\":896,", "")))
        .hasMessageContaining("'hidden_size' is required");
    assertThatThrownBy(() -> parse(LLAMA_3_2_1B.replace("\"llama3\"", "\"yarn\"")))
        .hasMessageContaining("rope_scaling type yarn is not supported");
    assertThatThrownBy(() -> parse(QWEN2_0_5B.replace("\"bfloat16\"", "\"int8\"")))
        .hasMessageContaining("dtype int8 is not supported");
    assertThatThrownBy(() -> parse(QWEN2_0_5B.replace("896,", "-896,")))
        .hasMessageContaining("'hidden_size' must be an integer >= 1");
    assertThatThrownBy(() -> parse("{\"a\":1,\"a\":2}"))
        .isInstanceOf(ModelConfigException.class)
        .hasMessageContaining("config.json is not valid JSON");
  }
}
