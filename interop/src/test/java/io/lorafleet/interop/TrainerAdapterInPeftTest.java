package io.lorafleet.interop;

import static io.lorafleet.interop.PythonPeer.job;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.cli.Lorafleet;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our direction out: an adapter written by our trainer ({@code lorafleet train}) on a generated
 * Llama written as an HF directory is loaded by PEFT ({@code PeftModel.from_pretrained}) on the
 * same directory with transformers, and gives our engine's logits. Three copies of the adapter with
 * a deliberate writer bug each (tensor names of two layers swapped, {@code lora_alpha} doubled, a
 * factor transposed) show that the comparison catches such bugs.
 */
class TrainerAdapterInPeftTest {
  private static final JsonMapper JSON = new JsonMapper();
  private static final List<String> ALL =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  @TempDir static Path dir;
  static Path model;
  static Path adapter;
  static List<int[]> seqs;
  static List<PythonPeer.Result> results;

  @BeforeAll
  static void trainAndAskPeft() throws Exception {
    TestModelSpec spec = TestModelSpec.llamaGqa();
    model = TestModelGenerator.write(spec, dir.resolve("model"));
    adapter = train(model);
    seqs = InteropFixtures.sequences(spec.vocabSize(), 3);

    // Writer bugs, one per copy.
    Path swappedNames = InteropFixtures.copy(adapter, dir.resolve("bug-names"));
    InteropFixtures.rewrite(
        swappedNames.resolve(PeftAdapterReader.WEIGHTS_FILE),
        n ->
            n.contains("layers.0.self_attn.q_proj")
                ? n.replace("layers.0.", "layers.1.")
                : n.contains("layers.1.self_attn.q_proj") ? n.replace("layers.1.", "layers.0.") : n,
        t -> t);
    Path doubledAlpha = InteropFixtures.copy(adapter, dir.resolve("bug-scale"));
    Path cfg = doubledAlpha.resolve("adapter_config.json");
    ObjectNode c = (ObjectNode) JSON.readTree(cfg.toFile());
    c.put("lora_alpha", 2 * c.get("lora_alpha").asDouble());
    JSON.writeValue(cfg.toFile(), c);
    Path transposed = InteropFixtures.copy(adapter, dir.resolve("bug-transpose"));
    Path weights = transposed.resolve(PeftAdapterReader.WEIGHTS_FILE);
    float[] a0;
    String a0Name = "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight";
    try (var f = io.lorafleet.artifacts.safetensors.SafetensorsFile.open(weights)) {
      assertThat(f.names()).contains(a0Name);
      a0 = f.readFloats(a0Name);
    }
    InteropFixtures.rewrite(
        weights, n -> n, t -> t.name().equals(a0Name) ? InteropFixtures.transposed(t, a0) : t);

    List<Map<String, Object>> jobs = new ArrayList<>();
    Object ids = InteropFixtures.asLists(seqs);
    jobs.add(job("logits", "model", model.toString(), "ids", ids, "out", out("base")));
    for (String name : List.of("ours", "bug-names", "bug-scale", "bug-transpose")) {
      Path a = name.equals("ours") ? adapter : dir.resolve(name);
      jobs.add(
          job(
              "logits",
              "model",
              model.toString(),
              "adapter",
              a.toString(),
              "ids",
              ids,
              "out",
              out(name)));
    }
    results = PythonPeer.run(dir.resolve("peer"), jobs);
  }

  /** {@code lorafleet train}: rank 4, alpha 8, all seven linear modules, 12 steps. */
  static Path train(Path model) throws Exception {
    StringBuilder data = new StringBuilder();
    for (String w : List.of("bcf", "ghj", "kmp", "vwy", "bgk", "cfh", "jmv", "pwy", "bhm", "cjp")) {
      data.append(
              JSON.writeValueAsString(
                  Map.of("prompt", w + "=", "completion", new StringBuilder(w).reverse())))
          .append('\n');
    }
    Files.writeString(dir.resolve("train.jsonl"), data.toString());
    Path config = dir.resolve("trainer.yaml");
    Files.writeString(
        config,
        """
        schemaVersion: 1
        run: {name: interop, directory: %s}
        baseModel: {uri: %s}
        dataset: {uri: %s, format: prompt-completion, validationSplit: 0.2}
        lora: {rank: 4, alpha: 8.0, targetModules: %s}
        training: {maxSteps: 12, batchSize: 4, learningRate: 0.02, checkpointInterval: 100, maxSequenceLength: 32}
        output: {versionsUri: %s}
        """
            .formatted(
                dir.resolve("run"),
                model,
                dir.resolve("train.jsonl"),
                ALL,
                dir.resolve("adapters")));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Lorafleet.commandLine(Map.of());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit =
        cl.execute(
            "train", "--config", config.toString(), "--work-dir", dir.resolve("work").toString());
    assertThat(exit).as(out + "\n" + err).isZero();
    try (Stream<Path> s = Files.list(dir.resolve("adapters"))) {
      return s.filter(p -> p.getFileName().toString().startsWith("sha256-"))
          .findFirst()
          .orElseThrow();
    }
  }

  static String out(String name) {
    return dir.resolve("peer").resolve(name + ".safetensors").toString();
  }

  static List<float[]> peft(String name) throws Exception {
    return OurEngine.peerLogits(Path.of(out(name)), seqs.size());
  }

  static List<float[]> ours() throws Exception {
    return OurEngine.logits(model, PeftAdapterReader.read(adapter), seqs);
  }

  @Test
  void transformersGivesOurBaseModelLogits() throws Exception {
    assertThat(results.getFirst().ok()).as(results.getFirst().error()).isTrue();
    LogitDiff d = LogitDiff.of(OurEngine.logits(model, null, seqs), peft("base"));
    System.out.println("interop base model, engine vs transformers: " + d);
    assertThat(d.relative()).isLessThan(LogitDiff.BOUND);
  }

  @Test
  void peftLoadsOurTrainedAdapterAndGivesOurLogits() throws Exception {
    assertThat(results.get(1).ok()).as(results.get(1).error()).isTrue();
    LoraAdapter ours = PeftAdapterReader.read(adapter);
    assertThat(ours.modules()).hasSize(14);
    List<float[]> engine = ours();
    LogitDiff d = LogitDiff.of(engine, peft("ours"));
    LogitDiff effect = LogitDiff.of(peft("base"), peft("ours"));
    System.out.println(
        "interop trained adapter, engine vs PEFT: " + d + "; adapter effect " + effect);
    assertThat(d.relative()).isLessThan(LogitDiff.BOUND);
    // The trained adapter must move the logits far beyond the bound, or the match proves nothing.
    assertThat(effect.relative()).isGreaterThan(100 * LogitDiff.BOUND);
  }

  @Test
  void swappedTensorNamesAreCaught() throws Exception {
    assertThat(results.get(2).ok()).as(results.get(2).error()).isTrue();
    LogitDiff d = LogitDiff.of(ours(), peft("bug-names"));
    System.out.println("interop bug: q_proj names of layers 0 and 1 swapped: " + d);
    assertThat(d.relative()).isGreaterThan(10 * LogitDiff.BOUND);
  }

  @Test
  void aDoubledScaleIsCaught() throws Exception {
    assertThat(results.get(3).ok()).as(results.get(3).error()).isTrue();
    LogitDiff d = LogitDiff.of(ours(), peft("bug-scale"));
    System.out.println("interop bug: lora_alpha doubled: " + d);
    assertThat(d.relative()).isGreaterThan(10 * LogitDiff.BOUND);
  }

  @Test
  void aTransposedFactorIsRefusedByPeft() {
    PythonPeer.Result r = results.get(4);
    System.out.println("interop bug: down_proj lora_A transposed: PEFT says " + r.error());
    assertThat(r.ok()).isFalse();
    assertThat(r.error()).contains("size mismatch").contains("layers.0.mlp.down_proj.lora_A");
  }
}
