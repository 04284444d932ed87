package io.lorafleet.interop;

import static io.lorafleet.interop.PythonPeer.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.cli.Lorafleet;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lorafleet merge --into-base} against PEFT's {@code merge_and_unload} on the same model and
 * adapter (written by PEFT, with rank_pattern and alpha_pattern so that per-module scales matter):
 * every tensor of the two merged models, and the logits of each merged model in its own runtime.
 * Two merges broken on our side (a merged weight transposed, the adapter's scale doubled) are
 * caught by the same comparison.
 */
class MergeIntoBaseMatchesPeftTest {
  /**
   * Per tensor, max |ours - PEFT| relative to max |PEFT|: fp32 storage, our sum in fp64 against
   * PEFT's in fp32.
   */
  static final double TENSOR_BOUND = 1e-6;

  static final String SQUARE = "model.layers.0.self_attn.q_proj.weight";

  @TempDir static Path dir;
  static Path model;
  static Path adapter;
  static List<int[]> seqs;

  @BeforeAll
  static void mergeBothWays() throws Exception {
    TestModelSpec spec = TestModelSpec.llamaGqa();
    model = TestModelGenerator.write(spec, dir.resolve("model"));
    adapter = dir.resolve("peft-adapter");
    seqs = InteropFixtures.sequences(spec.vocabSize(), 5);
    PythonPeer.runAll(
        dir.resolve("peer-create"),
        List.of(
            job(
                "create",
                "model",
                model.toString(),
                "config",
                PeftAdaptersInLorafleetTest.patternsConfig(),
                "seed",
                7,
                "out",
                adapter.toString())));

    merge(dir.resolve("ours"), 1.0);
    merge(dir.resolve("ours-doubled"), 2.0);
    Path transposed = InteropFixtures.copy(dir.resolve("ours"), dir.resolve("ours-transposed"));
    Path weights = transposed.resolve("model.safetensors");
    float[] q;
    try (SafetensorsFile f = SafetensorsFile.open(weights)) {
      q = f.readFloats(SQUARE);
      assertThat(f.info(SQUARE).shape()).as("a square weight").containsExactly(64L, 64L);
    }
    InteropFixtures.rewrite(
        weights, n -> n, t -> t.name().equals(SQUARE) ? InteropFixtures.transposed(t, q) : t);

    Object ids = InteropFixtures.asLists(seqs);
    PythonPeer.runAll(
        dir.resolve("peer"),
        List.of(
            job(
                "merge",
                "model",
                model.toString(),
                "adapter",
                adapter.toString(),
                "out",
                dir.resolve("peft-merged").toString()),
            job(
                "logits",
                "model",
                dir.resolve("peft-merged").toString(),
                "ids",
                ids,
                "out",
                logits("peft-merged")),
            job("logits", "model", model.toString(), "ids", ids, "out", logits("base"))));
  }

  static void merge(Path out, double weight) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    var cl = Lorafleet.commandLine(Map.of());
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    int exit =
        cl.execute(
            "merge",
            "--into-base",
            model.toString(),
            "--method",
            "linear",
            "--source",
            adapter + ":" + weight,
            "--out",
            out.toString());
    assertThat(exit).as(o + "\n" + e).isZero();
  }

  static String logits(String name) {
    return dir.resolve("peer").resolve(name + ".safetensors").toString();
  }

  /** Per tensor name: max |a - b| / max |b|. */
  static Map<String, Double> tensorDiffs(Path ours, Path peft) throws Exception {
    Map<String, Double> out = new LinkedHashMap<>();
    try (SafetensorsFile a = SafetensorsFile.open(ours.resolve("model.safetensors"));
        SafetensorsFile b = SafetensorsFile.open(peft.resolve("model.safetensors"))) {
      assertThat(a.names()).containsExactlyInAnyOrderElementsOf(b.names());
      for (String n : b.names()) {
        assertThat(a.info(n).shape()).as(n).isEqualTo(b.info(n).shape());
        float[] x = a.readFloats(n);
        float[] y = b.readFloats(n);
        double err = 0;
        double scale = 0;
        for (int i = 0; i < y.length; i++) {
          err = Math.max(err, Math.abs(x[i] - y[i]));
          scale = Math.max(scale, Math.abs(y[i]));
        }
        out.put(n, err / scale);
      }
    }
    return out;
  }

  static double worst(Map<String, Double> diffs) {
    return diffs.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
  }

  @Test
  void everyMergedTensorEqualsPeftMergeAndUnload() throws Exception {
    Map<String, Double> d = tensorDiffs(dir.resolve("ours"), dir.resolve("peft-merged"));
    long changed = 0;
    try (SafetensorsFile base = SafetensorsFile.open(model.resolve("model.safetensors"));
        SafetensorsFile peft = SafetensorsFile.open(dir.resolve("peft-merged/model.safetensors"))) {
      for (String n : base.names()) {
        if (!java.util.Arrays.equals(base.readFloats(n), peft.readFloats(n))) {
          changed++;
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "interop merge: %d tensors, %d changed by the merge, worst rel diff %.3g%n",
        d.size(),
        changed,
        worst(d));
    assertThat(changed).as("PEFT's merge changed the 14 adapted weights").isEqualTo(14);
    assertThat(worst(d)).isLessThan(TENSOR_BOUND);
  }

  @Test
  void ourMergedModelGivesPeftMergedLogits() throws Exception {
    List<float[]> peft = OurEngine.peerLogits(Path.of(logits("peft-merged")), seqs.size());
    LogitDiff d = LogitDiff.of(OurEngine.logits(dir.resolve("ours"), null, seqs), peft);
    LogitDiff effect =
        LogitDiff.of(OurEngine.peerLogits(Path.of(logits("base")), seqs.size()), peft);
    System.out.println(
        "interop merge, engine on ours vs transformers on PEFT's: "
            + d
            + "; merge effect "
            + effect);
    assertThat(d.relative()).isLessThan(LogitDiff.BOUND);
    assertThat(effect.relative()).isGreaterThan(100 * LogitDiff.BOUND);
  }

  @Test
  void aTransposedMergedWeightIsCaught() throws Exception {
    Map<String, Double> d = tensorDiffs(dir.resolve("ours-transposed"), dir.resolve("peft-merged"));
    System.out.printf(
        Locale.ROOT, "interop merge bug, %s transposed: rel diff %.3g%n", SQUARE, d.get(SQUARE));
    assertThat(d.get(SQUARE)).isGreaterThan(1000 * TENSOR_BOUND);
    List<float[]> peft = OurEngine.peerLogits(Path.of(logits("peft-merged")), seqs.size());
    assertThat(
            LogitDiff.of(OurEngine.logits(dir.resolve("ours-transposed"), null, seqs), peft)
                .relative())
        .isGreaterThan(10 * LogitDiff.BOUND);
  }

  @Test
  void aDoubledScaleIsCaught() throws Exception {
    Map<String, Double> d = tensorDiffs(dir.resolve("ours-doubled"), dir.resolve("peft-merged"));
    System.out.printf(
        Locale.ROOT, "interop merge bug, scale doubled: worst rel diff %.3g%n", worst(d));
    assertThat(worst(d)).isGreaterThan(1000 * TENSOR_BOUND);
  }
}
