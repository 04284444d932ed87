package io.lorafleet.artifacts.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.Fixtures;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.hf.ModelConfigParser;
import io.lorafleet.artifacts.peft.AdapterConfig;
import io.lorafleet.artifacts.peft.AdapterConfigParser;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import io.lorafleet.artifacts.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real TinyLlama PEFT config against the TinyLlama config.json, with synthetic tensors. */
class CompatibilityCheckerTest {
  @TempDir Path dir;
  ModelConfig base;
  byte[] adapterJson;

  @BeforeEach
  void fixtures() throws IOException {
    Path fx = Fixtures.tinyLlamaPeft();
    base = ModelConfigParser.read(fx.resolve("config.json"));
    adapterJson = Files.readAllBytes(fx.resolve("adapter_config.json"));
  }

  AdapterConfig adapter(String from, String to) {
    String json = new String(adapterJson, StandardCharsets.UTF_8);
    return AdapterConfigParser.parse(json.replace(from, to).getBytes(StandardCharsets.UTF_8));
  }

  static String name(int layer, String module, char ab) {
    return "base_model.model.model.layers."
        + layer
        + ".self_attn."
        + module
        + ".lora_"
        + ab
        + ".weight";
  }

  /** Writes a real safetensors file and returns its validated header entries. */
  Collection<TensorInfo> tensors(int layers, int rank, long vOut, DType dtype, String... modules)
      throws IOException {
    List<Tensor> ts = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      for (String m : modules) {
        long out = m.equals("q_proj") ? 2048 : vOut;
        ts.add(zeros(name(l, m, 'A'), dtype, rank, 2048));
        ts.add(zeros(name(l, m, 'B'), dtype, out, rank));
      }
    }
    Path file = dir.resolve("adapter_model.safetensors");
    SafetensorsWriter.write(file, ts, Map.of("format", "pt"));
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return f.header().tensors().values();
    }
  }

  CompatibilityReport check(AdapterConfig a, Collection<TensorInfo> t, int maxRank) {
    return CompatibilityChecker.check(a, t, base, CompatibilityLimits.maxRank(maxRank));
  }

  static Tensor zeros(String name, DType dtype, long rows, long cols) {
    return Tensor.ofBytes(
        name, dtype, List.of(rows, cols), new byte[(int) (rows * cols * dtype.byteSize())]);
  }

  @Test
  void realAdapterConfigWithRightShapesIsAccepted() throws IOException {
    CompatibilityReport r =
        check(adapter("", ""), tensors(22, 8, 256, DType.BF16, "q_proj", "v_proj"), 64);
    assertThat(r.problems()).isEmpty();
    assertThat(r.compatible()).isTrue();
    assertThat(r.matchedModules()).isEqualTo(44);
  }

  @Test
  void wrongShapeIsShapeMismatch() throws IOException {
    // v_proj as if the model had no GQA: out 2048 instead of 4 KV heads x 64 = 256.
    CompatibilityReport r =
        check(adapter("", ""), tensors(22, 8, 2048, DType.BF16, "q_proj", "v_proj"), 64);
    assertThat(r.reasons()).containsExactly(IncompatibilityReason.SHAPE_MISMATCH);
    assertThat(r.problems().getFirst().message())
        .isEqualTo(
            "v_proj: lora_B is [2048, 8], expected [256, r] (out_features of the base v_proj"
                + " [256, 2048]) (in 22 layers, first layer 0)");
    assertThat(r.problems().getFirst().reason().conditionReason()).isEqualTo("ShapeMismatch");
  }

  @Test
  void rankOverTheLimitIsRankTooLarge() throws IOException {
    CompatibilityReport r =
        check(adapter("", ""), tensors(2, 8, 256, DType.BF16, "q_proj", "v_proj"), 4);
    assertThat(r.reasons()).containsExactly(IncompatibilityReason.RANK_TOO_LARGE);
    assertThat(r.summary()).contains("r = 8 is above the maximum rank of 4");
  }

  @Test
  void unknownModuleIsUnknownTargetModule() throws IOException {
    CompatibilityReport r =
        check(adapter("\"q_proj\"", "\"qkv_proj\""), tensors(2, 8, 256, DType.BF16, "v_proj"), 64);
    assertThat(r.reasons()).containsExactly(IncompatibilityReason.UNKNOWN_TARGET_MODULE);
    assertThat(r.summary())
        .contains(
            "UnknownTargetModule: target module 'qkv_proj' does not exist in LlamaForCausalLM");
  }

  @Test
  void tensorsForUntargetedModulesDoNothingAndSayWhy() throws IOException {
    CompatibilityReport r = check(adapter("", ""), tensors(2, 8, 256, DType.BF16, "k_proj"), 64);
    assertThat(r.reasons())
        .containsExactlyInAnyOrder(
            IncompatibilityReason.UNEXPECTED_TENSOR, IncompatibilityReason.NO_TENSORS_MATCHED);
  }

  @Test
  void emptyWeightsMatchNothing() {
    CompatibilityReport r = check(adapter("", ""), List.of(), 64);
    assertThat(r.reasons()).containsExactly(IncompatibilityReason.NO_TENSORS_MATCHED);
  }

  @Test
  void layerBeyondTheModelIsLayerOutOfRange() throws IOException {
    CompatibilityReport r =
        check(adapter("", ""), tensors(23, 8, 256, DType.BF16, "q_proj", "v_proj"), 64);
    assertThat(r.reasons()).containsExactly(IncompatibilityReason.LAYER_OUT_OF_RANGE);
    assertThat(r.matchedModules()).isEqualTo(44);
  }

  @Test
  void integerWeightsAreUnsupportedDtype() throws IOException {
    CompatibilityReport r =
        check(adapter("", ""), tensors(1, 8, 256, DType.I8, "q_proj", "v_proj"), 64);
    assertThat(r.reasons()).containsExactly(IncompatibilityReason.UNSUPPORTED_DTYPE);
  }

  @Test
  void doraAndRankMismatchAreReported() throws IOException {
    CompatibilityReport r =
        check(
            adapter("\"use_dora\": false", "\"use_dora\": true"),
            tensors(1, 4, 256, DType.F32, "q_proj", "v_proj"),
            64);
    assertThat(r.reasons())
        .containsExactlyInAnyOrder(
            IncompatibilityReason.UNSUPPORTED_FEATURE, IncompatibilityReason.RANK_MISMATCH);
  }

  @Test
  void aRegexTooCostlyToEvaluateIsAReasonNotACrash() throws IOException {
    CompatibilityReport r =
        check(
            adapter("[\n    \"v_proj\",\n    \"q_proj\"\n  ]", "\"(([a-z_.0-9]+)+)+x\""),
            tensors(1, 8, 256, DType.BF16, "q_proj", "v_proj"),
            64);
    assertThat(r.reasons()).containsExactly(IncompatibilityReason.UNSUPPORTED_FEATURE);
    assertThat(r.summary()).contains("too expensive to match");
  }
}
