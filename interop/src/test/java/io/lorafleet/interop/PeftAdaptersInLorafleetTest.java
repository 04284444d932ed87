package io.lorafleet.interop;

import static io.lorafleet.interop.PythonPeer.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.compat.CompatibilityChecker;
import io.lorafleet.artifacts.compat.CompatibilityLimits;
import io.lorafleet.artifacts.compat.CompatibilityReport;
import io.lorafleet.artifacts.compat.IncompatibilityReason;
import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.hf.ModelConfigParser;
import io.lorafleet.artifacts.peft.AdapterConfigException;
import io.lorafleet.artifacts.peft.AdapterConfigParser;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.cli.Lorafleet;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The direction in: adapters written by PEFT itself ({@code get_peft_model} + {@code
 * save_pretrained}) in the shapes users produce go through our {@code inspect}, our compatibility
 * check and our engine. The supported ones give PEFT's own logits (PEFT loading the saved adapter
 * on the same model); the unsupported ones are refused with their typed reason. Three simulated
 * reader bugs on our side (a wrong scale, a factor read transposed, weights put on the wrong layer)
 * show that the comparison catches them.
 */
class PeftAdaptersInLorafleetTest {
  private static final List<String> ALL =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /** One PEFT adapter shape: LoraConfig arguments, the dtype it is saved in, and our verdict. */
  record Shape(String name, Map<String, Object> config, String dtype, String refusal, String base) {
    /** On the Llama (GQA, untied head) model. */
    Shape(String name, Map<String, Object> config, String dtype, String refusal) {
      this(name, config, dtype, refusal, "llama");
    }

    boolean supported() {
      return refusal == null;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static final List<Shape> SHAPES =
      List.of(
          new Shape(
              "all-linear",
              Map.of("r", 8, "lora_alpha", 16, "target_modules", "all-linear"),
              "float32",
              null),
          new Shape(
              "subset",
              Map.of("r", 4, "lora_alpha", 8, "target_modules", List.of("q_proj", "v_proj")),
              "float32",
              null),
          new Shape(
              "subset-of-layers",
              Map.of(
                  "r",
                  4,
                  "lora_alpha",
                  4,
                  "target_modules",
                  List.of("gate_proj", "down_proj"),
                  "layers_to_transform",
                  List.of(1)),
              "float32",
              null),
          new Shape("patterns", patternsConfig(), "float32", null),
          // Qwen2: bias on q/k/v (LoRA adds none), tied embeddings (all-linear leaves the head).
          new Shape(
              "qwen2-all-linear",
              Map.of("r", 8, "lora_alpha", 16, "target_modules", "all-linear"),
              "float32",
              null,
              "qwen2"),
          new Shape(
              "rslora",
              Map.of(
                  "r",
                  16,
                  "lora_alpha",
                  8,
                  "use_rslora",
                  true,
                  "target_modules",
                  List.of("q_proj", "k_proj", "v_proj", "o_proj")),
              "float32",
              null),
          new Shape(
              "bf16",
              Map.of("r", 8, "lora_alpha", 16, "target_modules", List.of("o_proj", "up_proj")),
              "bfloat16",
              null),
          new Shape(
              "fp16",
              Map.of("r", 4, "lora_alpha", 4, "target_modules", List.of("q_proj", "gate_proj")),
              "float16",
              null),
          new Shape(
              "modules-to-save-head",
              Map.of(
                  "r",
                  4,
                  "lora_alpha",
                  8,
                  "target_modules",
                  List.of("q_proj", "v_proj"),
                  "modules_to_save",
                  List.of("lm_head")),
              "float32",
              "modules_to_save [lm_head]"),
          new Shape(
              "dora",
              Map.of(
                  "r",
                  4,
                  "lora_alpha",
                  8,
                  "use_dora",
                  true,
                  "target_modules",
                  List.of("q_proj", "v_proj")),
              "float32",
              "use_dora=true"));

  /**
   * rank_pattern and alpha_pattern, with keys matched as PEFT does (first key whose regex matches).
   */
  static Map<String, Object> patternsConfig() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("r", 8);
    c.put("lora_alpha", 16);
    c.put("target_modules", ALL);
    c.put("rank_pattern", Map.of("model.layers.1.self_attn.q_proj", 2, "down_proj", 4));
    c.put("alpha_pattern", Map.of("v_proj", 64, "model.layers.0.mlp.up_proj", 3));
    return c;
  }

  @TempDir static Path dir;
  static Path model;
  static Path qwen2;
  static List<int[]> seqs;
  static List<PythonPeer.Result> results;

  @BeforeAll
  static void letPeftWriteAdapters() throws Exception {
    TestModelSpec spec = TestModelSpec.llamaGqa();
    model = TestModelGenerator.write(spec, dir.resolve("model"));
    qwen2 = TestModelGenerator.write(TestModelSpec.qwen2TiedBias(), dir.resolve("qwen2"));
    assertThat(TestModelSpec.qwen2TiedBias().vocabSize()).isEqualTo(spec.vocabSize());
    seqs = InteropFixtures.sequences(spec.vocabSize(), 4);
    Object ids = InteropFixtures.asLists(seqs);
    List<Map<String, Object>> jobs = new ArrayList<>();
    jobs.add(job("logits", "model", model.toString(), "ids", ids, "out", logitsFile("base")));
    jobs.add(job("logits", "model", qwen2.toString(), "ids", ids, "out", logitsFile("base-qwen2")));
    long seed = 100;
    for (Shape s : SHAPES) {
      jobs.add(
          job(
              "create",
              "model",
              modelFor(s).toString(),
              "config",
              s.config(),
              "seed",
              seed++,
              "dtype",
              s.dtype(),
              "out",
              adapterDir(s).toString()));
      if (s.supported()) {
        jobs.add(
            job(
                "logits",
                "model",
                modelFor(s).toString(),
                "adapter",
                adapterDir(s).toString(),
                "ids",
                ids,
                "out",
                logitsFile(s.name())));
      }
    }
    PythonPeer.runAll(dir.resolve("peer"), jobs);
  }

  static Shape shape(String name) {
    return SHAPES.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  static Path modelFor(Shape s) {
    return s.base().equals("qwen2") ? qwen2 : model;
  }

  static Path adapterDir(Shape s) {
    return dir.resolve("peft-" + s.name());
  }

  static String logitsFile(String name) {
    return dir.resolve("peer").resolve(name + ".safetensors").toString();
  }

  static Stream<Shape> supported() {
    return SHAPES.stream().filter(Shape::supported);
  }

  static Stream<Shape> unsupported() {
    return SHAPES.stream().filter(s -> !s.supported());
  }

  record Inspect(int exit, String out) {}

  static Inspect inspect(Path adapter, Path model) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Lorafleet.commandLine(Map.of());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute("inspect", adapter.toString(), "--base", model.toString());
    return new Inspect(exit, out + err.toString());
  }

  static CompatibilityReport check(Path adapter, Path model) throws Exception {
    try (SafetensorsFile f =
        SafetensorsFile.open(adapter.resolve(PeftAdapterReader.WEIGHTS_FILE))) {
      return CompatibilityChecker.check(
          AdapterConfigParser.read(adapter.resolve(AdapterConfigParser.FILE_NAME)),
          f.header().tensors().values(),
          ModelConfigParser.read(model.resolve(ModelConfigParser.FILE_NAME)),
          CompatibilityLimits.maxRank(64));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("supported")
  void supportedPeftAdapterIsAcceptedAndGivesPeftLogits(Shape s) throws Exception {
    Path a = adapterDir(s);
    Inspect i = inspect(a, modelFor(s));
    assertThat(i.exit()).as(i.out()).isZero();
    assertThat(i.out()).contains("compatible with " + modelFor(s));
    CompatibilityReport report = check(a, modelFor(s));
    assertThat(report.compatible()).as(report.summary()).isTrue();

    LoraAdapter adapter = PeftAdapterReader.read(a);
    assertThat(adapter.dtype())
        .isEqualTo(
            switch (s.dtype()) {
              case "bfloat16" -> DType.BF16;
              case "float16" -> DType.F16;
              default -> DType.F32;
            });
    List<float[]> peft = OurEngine.peerLogits(Path.of(logitsFile(s.name())), seqs.size());
    LogitDiff d = LogitDiff.of(OurEngine.logits(modelFor(s), adapter, seqs), peft);
    String base = s.base().equals("qwen2") ? "base-qwen2" : "base";
    LogitDiff effect =
        LogitDiff.of(OurEngine.peerLogits(Path.of(logitsFile(base)), seqs.size()), peft);
    System.out.printf(
        "interop PEFT %s (%d modules), engine vs PEFT: %s; adapter effect %s%n",
        s, adapter.modules().size(), d, effect);
    assertThat(d.relative()).isLessThan(LogitDiff.BOUND);
    assertThat(effect.relative()).isGreaterThan(100 * LogitDiff.BOUND);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsupported")
  void unsupportedPeftAdapterIsRefusedWithItsReason(Shape s) throws Exception {
    Path a = adapterDir(s);
    Inspect i = inspect(a, modelFor(s));
    System.out.printf("interop PEFT %s: inspect exit %d%n%s%n", s, i.exit(), i.out());
    assertThat(i.exit()).as(i.out()).isEqualTo(3);
    assertThat(i.out())
        .contains("NOT compatible with")
        .contains("UnsupportedFeature: ")
        .contains(s.refusal());
    CompatibilityReport report = check(a, modelFor(s));
    System.out.println("interop PEFT " + s + ": " + report.summary());
    if (s.config().containsKey("modules_to_save")) {
      // The saved head itself is also named: a full tensor where LoRA factors are expected.
      assertThat(report.reasons())
          .containsExactlyInAnyOrder(
              IncompatibilityReason.UNSUPPORTED_FEATURE, IncompatibilityReason.UNEXPECTED_TENSOR);
      assertThat(report.problems())
          .filteredOn(p -> p.reason() == IncompatibilityReason.UNEXPECTED_TENSOR)
          .singleElement()
          .satisfies(p -> assertThat(p.message()).contains("lm_head"));
    } else {
      assertThat(report.reasons()).containsExactly(IncompatibilityReason.UNSUPPORTED_FEATURE);
    }
    assertThatThrownBy(() -> PeftAdapterReader.read(a))
        .isInstanceOf(AdapterConfigException.class)
        .hasMessageContaining(s.refusal());
  }

  @Test
  void theShapesCoverWhatTheyClaim() throws Exception {
    // all-linear is expanded by PEFT to the seven projections (never lm_head) when it saves.
    assertThat(PeftAdapterReader.read(adapterDir(shape("all-linear"))).modules()).hasSize(14);
    assertThat(PeftAdapterReader.read(adapterDir(shape("qwen2-all-linear"))).modules()).hasSize(14);
    assertThat(PeftAdapterReader.read(adapterDir(shape("subset-of-layers"))).modules().keySet())
        .containsExactlyInAnyOrder(
            new ModuleKey(1, LinearModule.GATE_PROJ), new ModuleKey(1, LinearModule.DOWN_PROJ));
    LoraAdapter p = PeftAdapterReader.read(adapterDir(shape("patterns")));
    assertThat(p.modules().get(new ModuleKey(1, LinearModule.Q_PROJ)).rank()).isEqualTo(2);
    assertThat(p.modules().get(new ModuleKey(0, LinearModule.Q_PROJ)).rank()).isEqualTo(8);
    assertThat(p.modules().get(new ModuleKey(0, LinearModule.DOWN_PROJ)).rank()).isEqualTo(4);
    assertThat(p.modules().get(new ModuleKey(0, LinearModule.V_PROJ)).scale()).isEqualTo(8.0);
    assertThat(p.modules().get(new ModuleKey(0, LinearModule.UP_PROJ)).scale()).isEqualTo(3.0 / 8);
    assertThat(p.modules().get(new ModuleKey(1, LinearModule.UP_PROJ)).scale()).isEqualTo(2.0);
    LoraAdapter rs = PeftAdapterReader.read(adapterDir(shape("rslora")));
    assertThat(rs.modules().get(new ModuleKey(0, LinearModule.Q_PROJ)).scale()).isEqualTo(2.0);
  }

  // Simulated bugs in our reader, applied to what it read from PEFT's patterns adapter.

  @Test
  void aReaderThatIgnoresAlphaPatternIsCaught() throws Exception {
    assertCaught(
        "alpha_pattern ignored",
        w -> w.key().module() == LinearModule.V_PROJ ? withScale(w, 16.0 / w.rank()) : w);
  }

  @Test
  void aReaderThatTransposesAFactorIsCaught() throws Exception {
    // lora_A [r, in] read as if it were stored column-major: same shape, values transposed.
    assertCaught(
        "lora_A read transposed",
        w -> {
          float[] t = new float[w.a().length];
          for (int i = 0; i < w.rank(); i++) {
            for (int j = 0; j < w.in(); j++) {
              t[i * w.in() + j] = w.a()[j * w.rank() + i];
            }
          }
          return new LoraWeights(w.key(), w.rank(), w.in(), w.out(), w.scale(), t, w.b());
        });
  }

  @Test
  void aReaderThatMisplacesLayersIsCaught() throws Exception {
    LoraAdapter read = PeftAdapterReader.read(adapterDir(shape("patterns")));
    ModuleKey k0 = new ModuleKey(0, LinearModule.K_PROJ);
    ModuleKey k1 = new ModuleKey(1, LinearModule.K_PROJ);
    Map<ModuleKey, LoraWeights> m = new LinkedHashMap<>(read.modules());
    LoraWeights w0 = m.get(k0);
    LoraWeights w1 = m.get(k1);
    m.put(k0, new LoraWeights(k0, w1.rank(), w1.in(), w1.out(), w1.scale(), w1.a(), w1.b()));
    m.put(k1, new LoraWeights(k1, w0.rank(), w0.in(), w0.out(), w0.scale(), w0.a(), w0.b()));
    compareBroken(
        "k_proj of layers 0 and 1 swapped", new LoraAdapter(read.config(), m, read.dtype()));
  }

  private static LoraWeights withScale(LoraWeights w, double scale) {
    return new LoraWeights(w.key(), w.rank(), w.in(), w.out(), scale, w.a(), w.b());
  }

  private static void assertCaught(String bug, UnaryOperator<LoraWeights> change) throws Exception {
    LoraAdapter read = PeftAdapterReader.read(adapterDir(shape("patterns")));
    Map<ModuleKey, LoraWeights> m = new LinkedHashMap<>();
    read.modules().forEach((k, w) -> m.put(k, change.apply(w)));
    compareBroken(bug, new LoraAdapter(read.config(), m, read.dtype()));
  }

  private static void compareBroken(String bug, LoraAdapter broken) throws Exception {
    List<float[]> peft = OurEngine.peerLogits(Path.of(logitsFile("patterns")), seqs.size());
    LogitDiff d = LogitDiff.of(OurEngine.logits(model, broken, seqs), peft);
    System.out.println("interop reader bug, " + bug + ": engine vs PEFT " + d);
    assertThat(d.relative()).isGreaterThan(10 * LogitDiff.BOUND);
  }
}
