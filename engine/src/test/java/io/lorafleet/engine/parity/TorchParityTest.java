package io.lorafleet.engine.parity;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.safetensors.SafetensorsWriter;
import io.lorafleet.artifacts.safetensors.Tensor;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.support.EngineRun;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine against an independent PyTorch forward pass on the same files: three random model
 * shapes, base model and with an adapter (rank_pattern, alpha_pattern and rsLoRA exercised), fp32,
 * plus one with bf16 weights.
 */
class TorchParityTest {
  /** Acceptance bound: max abs logit error relative to the largest |logit|. */
  private static final double BOUND = 1e-4;

  private static CpuBackend backend;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    backend = new CpuBackend();
    System.out.println("reference: " + TorchReference.engineName() + "; engine: " + backend.name());
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  static Stream<Arguments> configs() {
    // Rank and alpha patterns on the first config, rsLoRA on the second, plain on the third.
    return Stream.of(
        Arguments.of(
            "llama-gqa",
            TestModelSpec.llamaGqa(),
            new TestAdapterGenerator.Spec(
                8,
                16,
                List.of(
                    "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                Map.of("layers.1.self_attn.q_proj", 4, "down_proj", 2),
                Map.of("v_proj", 64.0),
                false,
                DType.F32,
                5)),
        Arguments.of(
            "qwen2-tied-bias",
            TestModelSpec.qwen2TiedBias(),
            new TestAdapterGenerator.Spec(
                16,
                8,
                List.of("q_proj", "v_proj", "up_proj"),
                Map.of(),
                Map.of(),
                true,
                DType.F32,
                6)),
        Arguments.of(
            "llama3-rope",
            TestModelSpec.llama3Rope(),
            TestAdapterGenerator.Spec.simple(4, 8, List.of("q_proj", "k_proj", "down_proj"), 7)),
        // bf16 weights kept as bf16 (widened in the kernels); PyTorch gets the same values in fp32.
        Arguments.of(
            "llama-gqa-bf16",
            TestModelSpec.llamaGqa().withDtype(DType.BF16),
            TestAdapterGenerator.Spec.simple(8, 16, List.of("o_proj", "up_proj"), 8)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void logitsMatchPyTorch(String name, TestModelSpec spec, TestAdapterGenerator.Spec adapterSpec)
      throws Exception {
    Path modelDir = TestModelGenerator.write(spec, tmp.resolve(name));
    LlamaModel model = LlamaModel.load(modelDir, WeightPrecision.AS_STORED, backend);
    Path adapterDir = tmp.resolve(name + "-adapter");
    TestAdapterGenerator.write(adapterSpec, model.config(), adapterDir);
    LoraAdapter adapter = PeftAdapterReader.read(adapterDir);
    AdapterTable table =
        AdapterTable.empty(spec.layers()).with(LoadedAdapter.of("a", adapter, model.config()));
    int[] ids = randomIds(spec.vocabSize(), 40, spec.seed());

    float[] baseEngine = EngineRun.prefill(model, table, List.of(ids), new int[] {-1});
    float[] loraEngine = EngineRun.prefill(model, table, List.of(ids), new int[] {0});
    float[] loraDecode = EngineRun.prefillThenDecode(model, table, ids, 17, 0);
    float[] baseTorch;
    float[] loraTorch;
    try (TorchReference ref = new TorchReference(modelDir, null)) {
      baseTorch = ref.logits(ids);
    }
    float[] loraTorchDecode;
    try (TorchReference ref = new TorchReference(modelDir, adapterDir)) {
      loraTorch = ref.logits(ids);
      loraTorchDecode = torchPrefillThenDecode(ref, ids, 17, spec.vocabSize());
    }
    // The reference's own KV-cache path (used by the benchmark peer) agrees with its full pass.
    assertThat(EngineRun.relativeMaxError(loraTorchDecode, loraTorch)).isLessThan(BOUND);
    double base = EngineRun.relativeMaxError(baseEngine, baseTorch);
    double lora = EngineRun.relativeMaxError(loraEngine, loraTorch);
    double decode = EngineRun.relativeMaxError(loraDecode, loraTorch);
    System.out.printf(
        "parity %s: base max|err| %.3g (rel %.3g), lora max|err| %.3g (rel %.3g), "
            + "lora prefill+decode rel %.3g, lora effect rel %.3g%n",
        name,
        EngineRun.maxAbsError(baseEngine, baseTorch),
        base,
        EngineRun.maxAbsError(loraEngine, loraTorch),
        lora,
        decode,
        EngineRun.relativeMaxError(baseTorch, loraTorch));
    assertThat(base).isLessThan(BOUND);
    assertThat(lora).isLessThan(BOUND);
    assertThat(decode).isLessThan(BOUND);
    // The adapter must change the logits far beyond the tolerance, or the check above proves
    // nothing.
    assertThat(EngineRun.relativeMaxError(baseTorch, loraTorch)).isGreaterThan(100 * BOUND);
  }

  @Test
  void llamaAttentionAndMlpBiasesMatchPyTorch() throws Exception {
    // Llama's attention_bias puts a bias on q, k, v and o; mlp_bias on gate, up and down. The
    // generator writes neither, so add them to a generated model and switch them on.
    Path dir = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("llama-bias"));
    List<Tensor> tensors = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(77);
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      for (String n : f.names()) {
        tensors.add(Tensor.ofBytes(n, f.info(n).dtype(), f.info(n).shape(), f.readBytes(n)));
      }
    }
    ModelConfig c = ModelLoader.config(dir);
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      for (LinearModule m : LinearModule.values()) {
        if (m.inDecoderLayer()) {
          float[] b = new float[(int) c.shape(m).out()];
          for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextDouble(-0.2, 0.2);
          }
          tensors.add(Tensor.ofFloats(m.path(l) + ".bias", DType.F32, List.of((long) b.length), b));
        }
      }
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    String cfg = Files.readString(dir.resolve("config.json"));
    assertThat(cfg).contains("\"attention_bias\" : false");
    Files.writeString(
        dir.resolve("config.json"),
        cfg.replace(
            "\"attention_bias\" : false", "\"attention_bias\" : true, \"mlp_bias\" : true"));

    LlamaModel model = LlamaModel.load(dir, WeightPrecision.AS_STORED, backend);
    assertThat(model.weights().layers().get(1).biases()).hasSize(7);
    int[] ids = randomIds(c.vocabSize(), 24, 5);
    float[] engine =
        EngineRun.prefill(
            model, AdapterTable.empty(c.numHiddenLayers()), List.of(ids), new int[] {-1});
    float[] torch;
    try (TorchReference ref = new TorchReference(dir, null)) {
      torch = ref.logits(ids);
    }
    double rel = EngineRun.relativeMaxError(engine, torch);
    System.out.printf(
        "parity llama-bias: max|err| %.3g (rel %.3g)%n", EngineRun.maxAbsError(engine, torch), rel);
    assertThat(rel).isLessThan(BOUND);
  }

  private static float[] torchPrefillThenDecode(
      TorchReference ref, int[] ids, int prefix, int vocab) {
    float[] out = new float[ids.length * vocab];
    ref.reset();
    float[] first = ref.forward(java.util.Arrays.copyOf(ids, prefix));
    System.arraycopy(first, 0, out, 0, first.length);
    for (int p = prefix; p < ids.length; p++) {
      System.arraycopy(ref.forward(new int[] {ids[p]}), 0, out, p * vocab, vocab);
    }
    return out;
  }

  static int[] randomIds(int vocab, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(vocab);
    }
    return ids;
  }
}
