package io.lorafleet.artifacts.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PeftAdapterRoundTripTest {
  @TempDir Path dir;

  /** A small random adapter on q_proj and v_proj of 2 layers (hidden 32, kv width 8). */
  static LoraAdapter sample(DType dtype, long seed) {
    AdapterConfig config = AdapterConfig.of(4, 8, List.of("q_proj", "v_proj"));
    Random rnd = new Random(seed);
    Map<ModuleKey, LoraWeights> modules = new TreeMap<>();
    for (int layer = 0; layer < 2; layer++) {
      for (LinearModule m : List.of(LinearModule.Q_PROJ, LinearModule.V_PROJ)) {
        int out = m == LinearModule.Q_PROJ ? 32 : 8;
        ModuleKey key = new ModuleKey(layer, m);
        modules.put(
            key,
            new LoraWeights(
                key, 4, 32, out, 2.0, random(rnd, 4 * 32, dtype), random(rnd, out * 4, dtype)));
      }
    }
    return new LoraAdapter(config, modules, dtype);
  }

  // Values exactly representable in the dtype, so the round trip can be compared exactly.
  private static float[] random(Random rnd, int n, DType dtype) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      // BF16 keeps 8 significant bits: k/64 with |k| <= 127 is exact in every dtype.
      v[i] = dtype == DType.F32 ? (float) rnd.nextGaussian() : (rnd.nextInt(255) - 127) / 64f;
    }
    return v;
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "BF16", "F16"})
  void writeThenReadIsIdentical(DType dtype) throws IOException {
    LoraAdapter original = sample(dtype, 7);
    PeftAdapterWriter.write(original, dir);
    LoraAdapter back = PeftAdapterReader.read(dir);
    assertThat(back.dtype()).isEqualTo(dtype);
    assertThat(back.config()).isEqualTo(original.config());
    assertThat(back.modules().keySet()).isEqualTo(original.modules().keySet());
    for (ModuleKey k : original.modules().keySet()) {
      assertThat(back.modules().get(k).a()).isEqualTo(original.modules().get(k).a());
      assertThat(back.modules().get(k).b()).isEqualTo(original.modules().get(k).b());
      assertThat(back.modules().get(k).scale()).isEqualTo(2.0);
    }
    assertThat(back.parameterCount()).isEqualTo(2 * (4 * 32 + 32 * 4 + 4 * 32 + 8 * 4));
  }

  @Test
  void writesPeftTensorNamesAndFormatMetadata() throws IOException {
    PeftAdapterWriter.write(sample(DType.F32, 1), dir);
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
      assertThat(f.header().metadata()).containsEntry("format", "pt");
      assertThat(f.names())
          .contains(
              "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
              "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
      assertThat(f.info("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").shape())
          .containsExactly(8L, 4L);
    }
  }

  @Test
  void refusesDoraAndOtherUnsupportedConfigs() throws IOException {
    PeftAdapterWriter.write(sample(DType.F32, 1), dir);
    String cfg = Files.readString(dir.resolve("adapter_config.json"));
    Files.writeString(
        dir.resolve("adapter_config.json"),
        cfg.replace("\"use_dora\" : false", "\"use_dora\" : true"));
    assertThatThrownBy(() -> PeftAdapterReader.read(dir))
        .isInstanceOf(AdapterConfigException.class)
        .hasMessageContaining("use_dora=true (DoRA) is not supported");
  }

  @Test
  void refusesDoraMagnitudeTensorsEvenWhenTheConfigHidesThem() throws IOException {
    PeftAdapterWriter.write(sample(DType.F32, 1), dir);
    appendTensor("base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", 32);
    assertThatThrownBy(() -> PeftAdapterReader.read(dir))
        .isInstanceOf(AdapterConfigException.class)
        .hasMessageContaining("is a DoRA magnitude vector");
  }

  @Test
  void refusesTensorsOfModulesTheConfigDoesNotTarget() throws IOException {
    PeftAdapterWriter.write(sample(DType.F32, 1), dir);
    Files.writeString(
        dir.resolve("adapter_config.json"),
        Files.readString(dir.resolve("adapter_config.json")).replace("\"v_proj\"", "\"k_proj\""));
    assertThatThrownBy(() -> PeftAdapterReader.read(dir))
        .hasMessageContaining(
            "module model.layers.0.self_attn.v_proj has LoRA tensors but target_modules");
  }

  @Test
  void rankMustAgreeWithRankPattern() throws IOException {
    PeftAdapterWriter.write(sample(DType.F32, 1), dir);
    Files.writeString(
        dir.resolve("adapter_config.json"),
        Files.readString(dir.resolve("adapter_config.json"))
            .replace("\"rank_pattern\" : { }", "\"rank_pattern\" : {\"v_proj\": 2}"));
    assertThatThrownBy(() -> PeftAdapterReader.read(dir))
        .hasMessageContaining(
            "module model.layers.0.self_attn.v_proj has rank 4 but the config says 2");
  }

  @Test
  void pickleWeightsAreExplained() throws IOException {
    PeftAdapterWriter.write(sample(DType.F32, 1), dir);
    Files.move(dir.resolve("adapter_model.safetensors"), dir.resolve("adapter_model.bin"));
    assertThatThrownBy(() -> PeftAdapterReader.read(dir))
        .hasMessageContaining("has only adapter_model.bin (pickle)");
  }

  @Test
  void missingConfigIsExplained() throws IOException {
    PeftAdapterWriter.write(sample(DType.F32, 1), dir);
    Files.delete(dir.resolve("adapter_config.json"));
    assertThatThrownBy(() -> PeftAdapterReader.read(dir))
        .isInstanceOf(AdapterConfigException.class)
        .hasMessageEndingWith("has no adapter_config.json");
  }

  private void appendTensor(String name, int n) throws IOException {
    Path file = dir.resolve("adapter_model.safetensors");
    List<Tensor> tensors = new java.util.ArrayList<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (String t : f.names()) {
        tensors.add(Tensor.ofFloats(t, DType.F32, f.info(t).shape(), f.readFloats(t)));
      }
    }
    tensors.add(Tensor.ofFloats(name, DType.F32, List.of((long) n), new float[n]));
    SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
  }
}
