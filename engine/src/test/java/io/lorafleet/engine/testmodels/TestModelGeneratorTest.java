package io.lorafleet.engine.testmodels;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.hf.ModelConfigParser;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.engine.tokenizer.ChatMessage;
import io.lorafleet.engine.tokenizer.ChatTemplate;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated directories are what HF tools and our own readers accept. */
class TestModelGeneratorTest {
  @TempDir Path tmp;

  @Test
  void writesAnHfDirectoryThatTheArtifactsParsersAccept() throws Exception {
    Path dir = TestModelGenerator.write(TestModelSpec.qwen2TiedBias(), tmp.resolve("q"));
    ModelConfig c = ModelConfigParser.read(dir.resolve("config.json"));
    assertThat(c.architecture()).isEqualTo("Qwen2ForCausalLM");
    assertThat(c.attentionBias()).isTrue();
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.numKeyValueHeads()).isEqualTo(1);
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      assertThat(f.names())
          .contains("model.layers.1.self_attn.k_proj.bias")
          .doesNotContain("lm_head.weight");
      long params = 0;
      for (String n : f.names()) {
        params += f.info(n).numel();
      }
      assertThat(params).as("parameter count agrees with the config").isEqualTo(c.parameterCount());
    }
    Path llama3 = TestModelGenerator.write(TestModelSpec.llama3Rope(), tmp.resolve("l3"));
    assertThat(ModelConfigParser.read(llama3.resolve("config.json")).ropeScaling())
        .hasValueSatisfying(r -> assertThat(r.type()).isEqualTo("llama3"));
  }

  @Test
  void sameSeedSameBytesAndBf16Halves() throws Exception {
    Path a = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("a"));
    Path b = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("b"));
    Path h =
        TestModelGenerator.write(TestModelSpec.llamaGqa().withDtype(DType.BF16), tmp.resolve("h"));
    assertThat(Files.readAllBytes(a.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(b.resolve("model.safetensors")));
    assertThat(Files.size(h.resolve("model.safetensors")))
        .isLessThan(Files.size(a.resolve("model.safetensors")) / 2 + 4096);
    try (SafetensorsFile f = SafetensorsFile.open(h.resolve("model.safetensors"))) {
      assertThat(f.info("model.embed_tokens.weight").dtype()).isEqualTo(DType.BF16);
    }
  }

  @Test
  void tokenizerIsAByteLevelBpeThatHuggingFaceLoads() throws Exception {
    Path dir = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("t"));
    var json = new JsonMapper().readTree(dir.resolve("tokenizer.json").toFile());
    int size = json.at("/model/vocab").size();
    assertThat(size).isEqualTo(384);
    assertThat(json.at("/model/merges").size()).isGreaterThanOrEqualTo(384 - 256 - 3);
    try (HfTokenizer t = HfTokenizer.load(dir)) {
      // Text outside the training corpus still round-trips: every byte has a token.
      for (String s : List.of("The quick brown fox.", "Zürich ☃ 123\n\ttabs", "adapter adapters")) {
        int[] ids = t.encode(s, true);
        assertThat(java.util.Arrays.stream(ids).allMatch(id -> id >= 0 && id < size)).isTrue();
        assertThat(t.decode(ids, false)).isEqualTo(s);
      }
      // Learned merges compress corpus words; special tokens are single ids.
      assertThat(t.encode(" adapter", false)).hasSizeLessThan(4);
      assertThat(t.encode("<|im_start|>user", false)).startsWith(size - 2);
    }
    String rendered = ChatTemplate.load(dir).render(List.of(new ChatMessage("user", "Hi")), true);
    assertThat(rendered).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  }

  @Test
  void adaptersHonourRankAndAlphaPatternsAndRoundTripThroughPeftFiles() throws Exception {
    Path dir = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("m"));
    ModelConfig c = ModelConfigParser.read(dir.resolve("config.json"));
    TestAdapterGenerator.Spec spec =
        new TestAdapterGenerator.Spec(
            8,
            16,
            List.of("q_proj", "down_proj"),
            Map.of("down_proj", 2),
            Map.of("q_proj", 4.0),
            false,
            DType.F32,
            1);
    LoraAdapter written = TestAdapterGenerator.write(spec, c, tmp.resolve("ad"));
    LoraAdapter read = PeftAdapterReader.read(tmp.resolve("ad"));
    assertThat(read.modules()).hasSize(2 * c.numHiddenLayers());
    read.modules()
        .forEach(
            (k, w) -> {
              boolean down = k.module().moduleName().equals("down_proj");
              assertThat(w.rank()).isEqualTo(down ? 2 : 8);
              assertThat(w.scale()).isEqualTo(down ? 16.0 / 2 : 4.0 / 8);
              assertThat(w.a()).isEqualTo(written.modules().get(k).a());
              assertThat(w.b()).isEqualTo(written.modules().get(k).b());
            });
  }
}
