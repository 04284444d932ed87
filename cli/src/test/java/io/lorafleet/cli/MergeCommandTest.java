package io.lorafleet.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.hf.ModelConfigParser;
import io.lorafleet.artifacts.peft.LoraAdapter;
import io.lorafleet.artifacts.peft.LoraWeights;
import io.lorafleet.artifacts.peft.ModuleKey;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.Manifest;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.Sha256;
import io.lorafleet.engine.backend.AttentionLayout;
import io.lorafleet.engine.backend.PagedKvCache;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.merge.AdapterMerger;
import io.lorafleet.engine.merge.AdapterMerger.Source;
import io.lorafleet.engine.merge.BaseMerger;
import io.lorafleet.engine.merge.Combiners.MajoritySign;
import io.lorafleet.engine.merge.MergeMethod;
import io.lorafleet.engine.merge.MergeSpec;
import io.lorafleet.engine.model.ForwardBatch;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code lorafleet merge} against generated adapters, to a directory and to the embedded S3. */
class MergeCommandTest extends CliTestBase {
  static final ModelConfig MODEL =
      ModelConfigParser.parse(
          """
          {"architectures":["LlamaForCausalLM"],"hidden_size":32,"intermediate_size":48,
           "num_attention_heads":4,"num_key_value_heads":2,"num_hidden_layers":2,
           "vocab_size":100,"torch_dtype":"float32"}
          """
              .getBytes(UTF_8));
  static final List<String> ALL =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /** Two adapters of different ranks (8 with alpha 16, 4 with alpha 4) on all seven modules. */
  Path[] sources() throws IOException {
    Path a = work.resolve("tone");
    Path b = work.resolve("domain");
    TestAdapterGenerator.write(TestAdapterGenerator.Spec.simple(8, 16, ALL, 1), MODEL, a);
    TestAdapterGenerator.write(TestAdapterGenerator.Spec.simple(4, 4, ALL, 2), MODEL, b);
    return new Path[] {a, b};
  }

  static AdapterMerger.Result expected(Path a, double wa, Path b, double wb, MergeSpec spec)
      throws IOException {
    return AdapterMerger.merge(
        List.of(
            new Source(PeftAdapterReader.read(a), wa), new Source(PeftAdapterReader.read(b), wb)),
        spec);
  }

  /** Same modules, same config rank and alpha, bit-identical factors, scale 1. */
  static void assertSameAdapter(LoraAdapter actual, LoraAdapter expected) {
    assertThat(actual.modules().keySet()).isEqualTo(expected.modules().keySet()).hasSize(14);
    assertThat(actual.config().r()).isEqualTo(expected.config().r());
    assertThat(actual.config().loraAlpha()).isEqualTo(expected.config().loraAlpha());
    boolean nonZero = false;
    for (Map.Entry<ModuleKey, LoraWeights> e : expected.modules().entrySet()) {
      LoraWeights got = actual.modules().get(e.getKey());
      assertThat(got.scale()).as(e.getKey().toString()).isEqualTo(1.0);
      assertThat(got.a()).as(e.getKey() + " A").isEqualTo(e.getValue().a());
      assertThat(got.b()).as(e.getKey() + " B").isEqualTo(e.getValue().b());
      for (float x : got.b()) {
        nonZero |= x != 0;
      }
    }
    assertThat(nonZero).as("the merged adapter is not all zeros").isTrue();
  }

  static String digestIn(String output) {
    Matcher m = Pattern.compile("digest sha256-([0-9a-f]{64})").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    return m.group(1);
  }

  @Test
  void tiesMergeOfTwoDirectoriesIntoADirectory() throws IOException {
    Path[] s = sources();
    Path out = work.resolve("merged");

    Run r =
        run(
            "merge",
            "--method",
            "ties",
            "--source",
            s[0] + ":0.7",
            "--source",
            s[1] + ":0.3",
            "--density",
            "0.5",
            "--rank",
            "6",
            "--seed",
            "1",
            "--out",
            out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    MergeSpec spec = new MergeSpec(MergeMethod.TIES, 0.5, MajoritySign.TOTAL, OptionalInt.of(6), 1);
    AdapterMerger.Result want = expected(s[0], 0.7, s[1], 0.3, spec);
    assertSameAdapter(PeftAdapterReader.read(out), want.adapter());
    assertThat(want.totalTruncationError()).isPositive();
    assertThat(r.out())
        .contains(
            String.format(
                java.util.Locale.ROOT, "truncation error %.6g", want.totalTruncationError()));

    byte[] manifestBytes = Files.readAllBytes(out.resolve(ArtifactStore.MANIFEST));
    Manifest manifest = Manifest.parse(manifestBytes);
    assertThat(manifest.files()).isEqualTo(ArtifactStore.manifestOf(out, Map.of()).files());
    assertThat(digestIn(r.out())).isEqualTo(Sha256.hex(manifestBytes));
    assertThat(manifest.lineage())
        .containsEntry("merge.method", "ties")
        .containsEntry("merge.density", "0.5")
        .containsEntry("merge.majoritySign", "total")
        .containsEntry("merge.outputRank", "6")
        .containsEntry("merge.seed", "1")
        .containsEntry("merge.source.0.adapter", s[0].toString())
        .containsEntry(
            "merge.source.0.digest", "sha256:" + ArtifactStore.manifestOf(s[0], Map.of()).digest())
        .containsEntry("merge.source.0.weight", "0.7")
        .containsEntry("merge.source.1.adapter", s[1].toString())
        .containsEntry(
            "merge.source.1.digest", "sha256:" + ArtifactStore.manifestOf(s[1], Map.of()).digest())
        .containsEntry("merge.source.1.weight", "0.3")
        .hasSize(11);
  }

  @Test
  void dareTiesMergeOfPublishedVersionsIsPublishedWithLineage() throws IOException {
    Path[] s = sources();
    ArtifactStore store = new ArtifactStore(local.client(), local.config().retry());
    PublishedVersion va = store.push(s[0], S3Uri.parse("s3://merge-test/adapters/tone"), Map.of());
    PublishedVersion vb =
        store.push(s[1], S3Uri.parse("s3://merge-test/adapters/domain"), Map.of("by", "test"));

    // one source by its version URI, the other by its prefix (latest version)
    Run r =
        run(
            "merge",
            "--method",
            "dare-ties",
            "--source",
            va.uri() + ":0.6",
            "--source",
            "s3://merge-test/adapters/domain:-0.25",
            "--density",
            "0.4",
            "--seed",
            "9",
            "--out",
            "s3://merge-test/adapters/merged");

    assertThat(r.exit()).as(r.err()).isZero();
    String digest = digestIn(r.out());
    S3Uri version = S3Uri.parse("s3://merge-test/adapters/merged/sha256-" + digest + "/");
    assertThat(r.out()).contains(version.toString());
    Path pulled = work.resolve("pulled");
    PublishedVersion merged = store.pull(version, pulled);
    MergeSpec spec =
        new MergeSpec(MergeMethod.DARE_TIES, 0.4, MajoritySign.TOTAL, OptionalInt.empty(), 9);
    AdapterMerger.Result want = expected(s[0], 0.6, s[1], -0.25, spec);
    assertThat(want.adapter().config().r())
        .as("default rank: the largest source rank")
        .isEqualTo(8);
    assertSameAdapter(PeftAdapterReader.read(pulled), want.adapter());
    assertThat(merged.manifest().lineage())
        .containsEntry("merge.method", "dare-ties")
        .containsEntry("merge.density", "0.4")
        .containsEntry("merge.seed", "9")
        .containsEntry("merge.source.0.adapter", va.uri() + "")
        .containsEntry("merge.source.0.digest", "sha256:" + va.digest())
        .containsEntry("merge.source.0.weight", "0.6")
        .containsEntry("merge.source.1.adapter", "s3://merge-test/adapters/domain")
        .containsEntry("merge.source.1.digest", "sha256:" + vb.digest())
        .containsEntry("merge.source.1.weight", "-0.25")
        .doesNotContainKey("merge.outputRank");
  }

  @Test
  void badArgumentsAreUsageErrorsAndWriteNothing() throws IOException {
    Path[] s = sources();
    Path out = work.resolve("never");
    String a = s[0] + ":0.5";
    String b = s[1] + ":0.5";

    Run unknown = run("merge", "--method", "avg", "--source", a, "--source", b, "--out", "" + out);
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown --method 'avg'; one of [linear, cat, svd, ties");

    Run notNumber =
        run(
            "merge",
            "--method",
            "cat",
            "--source",
            s[0] + ":heavy",
            "--source",
            b,
            "--out",
            "" + out);
    assertThat(notNumber.exit()).isEqualTo(2);
    assertThat(notNumber.err()).contains("is not a number: 'heavy'");

    Run noWeight =
        run("merge", "--method", "cat", "--source", "s3://bucket/adapters/x", "--out", "" + out);
    assertThat(noWeight.exit()).isEqualTo(2);
    assertThat(noWeight.err()).contains("must be SOURCE:WEIGHT");

    Run missingDir =
        run(
            "merge",
            "--method",
            "cat",
            "--source",
            work.resolve("nope") + ":1",
            "--source",
            b,
            "--out",
            "" + out);
    assertThat(missingDir.exit()).isEqualTo(2);
    assertThat(missingDir.err()).contains(work.resolve("nope") + " is not a directory");

    Run noSource = run("merge", "--method", "cat", "--out", "" + out);
    assertThat(noSource.exit()).isEqualTo(2);
    assertThat(noSource.err()).contains("Missing required option: '--source=SOURCE:WEIGHT'");

    Run svdNoRank =
        run("merge", "--method", "svd", "--source", a, "--source", b, "--out", "" + out);
    assertThat(svdNoRank.exit()).isEqualTo(2);
    assertThat(svdNoRank.err()).contains("--rank is required for method svd");

    Run tiesNoDensity =
        run("merge", "--method", "ties", "--source", a, "--source", b, "--out", "" + out);
    assertThat(tiesNoDensity.exit()).isEqualTo(2);
    assertThat(tiesNoDensity.err()).contains("--density in (0, 1] is required for ties");

    assertThat(out).doesNotExist();
  }

  /** The logits of every position of {@code seq} in one prefill, with adapter slot {@code slot}. */
  static float[] logits(LlamaModel m, AdapterTable adapters, int[] seq, int slot) {
    PagedKvCache cache = m.newCache(seq.length / 4 + 2, 4);
    int[][] tables = {new int[(seq.length + 3) / 4]};
    for (int b = 0; b < tables[0].length; b++) {
      tables[0][b] = cache.allocate();
    }
    int[] pos = new int[seq.length];
    Arrays.setAll(pos, i -> i);
    int[] slots = new int[seq.length];
    Arrays.fill(slots, slot);
    AttentionLayout layout = new AttentionLayout(new int[seq.length], pos, tables, 4);
    return m.forward(new ForwardBatch(seq, layout, slots, pos.clone(), false), adapters, cache);
  }

  /** max |a - b| / max |b|. */
  static double relativeMaxError(float[] actual, float[] expected) {
    double err = 0;
    double scale = 0;
    for (int i = 0; i < expected.length; i++) {
      err = Math.max(err, Math.abs(actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    return err / scale;
  }

  /** Every file of {@code dir} but its safetensors and manifest, by relative path. */
  static List<String> otherFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.endsWith(".safetensors") && !n.equals(ArtifactStore.MANIFEST))
          .sorted()
          .toList();
    }
  }

  @Test
  void linearIntoBaseWritesAModelThatServesLikeTheBaseWithTheAdapters() throws Exception {
    Path base = TestModelGenerator.write(TestModelSpec.llamaGqa(), work.resolve("base"));
    String baseDigest = ArtifactStore.manifestOf(base, Map.of()).digest();
    try (CpuBackend backend = new CpuBackend()) {
      LlamaModel baseModel = LlamaModel.load(base, WeightPrecision.F32, backend);
      Path a = work.resolve("a");
      Path b = work.resolve("b");
      TestAdapterGenerator.write(
          TestAdapterGenerator.Spec.simple(8, 16, List.of("q_proj", "v_proj", "down_proj"), 1),
          baseModel.config(),
          a);
      TestAdapterGenerator.write(
          TestAdapterGenerator.Spec.simple(4, 8, List.of("v_proj", "o_proj"), 2),
          baseModel.config(),
          b);
      Path out = work.resolve("merged-model");

      Run r =
          run(
              "merge",
              "--method",
              "linear",
              "--into-base",
              base.toString(),
              "--source",
              a + ":0.7",
              "--source",
              b + ":-0.4",
              "--out",
              out.toString());

      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("into base " + base + " (sha256-" + baseDigest + ")");
      // an HF directory: config, tokenizer and every other file copied byte for byte
      List<String> others = otherFiles(base);
      assertThat(others).contains("config.json").isEqualTo(otherFiles(out));
      for (String f : others) {
        assertThat(Files.readAllBytes(out.resolve(f)))
            .as(f)
            .isEqualTo(Files.readAllBytes(base.resolve(f)));
      }
      Manifest manifest = Manifest.parse(Files.readAllBytes(out.resolve(ArtifactStore.MANIFEST)));
      assertThat(digestIn(r.out())).isEqualTo(manifest.digest());
      assertThat(manifest.files()).isEqualTo(ArtifactStore.manifestOf(out, Map.of()).files());
      assertThat(manifest.lineage())
          .containsEntry("merge.method", "linear")
          .containsEntry("merge.base", base.toString())
          .containsEntry("merge.base.digest", "sha256:" + baseDigest)
          .containsEntry("merge.source.1.weight", "-0.4");
      // unmerge is the pristine base, which the merge left untouched
      assertThat(ArtifactStore.manifestOf(base, Map.of()).digest()).isEqualTo(baseDigest);

      // serving the merged model alone equals serving the base with the merged adapter
      LoraAdapter cat = expected(a, 0.7, b, -0.4, MergeSpec.of(MergeMethod.CAT)).adapter();
      AdapterTable table =
          AdapterTable.empty(baseModel.config().numHiddenLayers())
              .with(LoadedAdapter.of("cat", cat, baseModel.config()));
      LlamaModel merged = LlamaModel.load(out, WeightPrecision.F32, backend);
      int[] seq = {3, 1, 4, 1, 5, 9, 2, 6};
      float[] viaAdapter = logits(baseModel, table, seq, 0);
      float[] viaMergedBase = logits(merged, table, seq, -1);
      float[] plain = logits(baseModel, table, seq, -1);
      assertThat(relativeMaxError(viaMergedBase, viaAdapter)).isLessThan(1e-5);
      assertThat(relativeMaxError(plain, viaAdapter)).isGreaterThan(1e-3);
    }
  }

  @Test
  void tiesIntoAPublishedBaseIsPublishedAndTheBaseVersionIsTheUnmerge() throws Exception {
    Path base = TestModelGenerator.write(TestModelSpec.llamaGqa(), work.resolve("base"));
    ModelConfig config = io.lorafleet.engine.model.ModelLoader.config(base);
    Path a = work.resolve("a");
    Path b = work.resolve("b");
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(8, 16, List.of("q_proj", "v_proj"), 3), config, a);
    TestAdapterGenerator.write(
        TestAdapterGenerator.Spec.simple(4, 4, List.of("q_proj", "o_proj"), 4), config, b);
    ArtifactStore store = new ArtifactStore(local.client(), local.config().retry());
    PublishedVersion vBase =
        store.push(base, S3Uri.parse("s3://merge-test/models/base"), Map.of("by", "test"));
    PublishedVersion va = store.push(a, S3Uri.parse("s3://merge-test/adapters/ta"), Map.of());

    Run r =
        run(
            "merge",
            "--method",
            "ties",
            "--into-base",
            "s3://merge-test/models/base",
            "--source",
            va.uri() + ":0.6",
            "--source",
            b + ":0.4",
            "--density",
            "0.5",
            "--rank",
            "4",
            "--out",
            "s3://merge-test/models/base-ties");

    assertThat(r.exit()).as(r.err()).isZero();
    S3Uri version =
        S3Uri.parse("s3://merge-test/models/base-ties/sha256-" + digestIn(r.out()) + "/");
    assertThat(r.out()).contains(version.toString());
    Path pulled = work.resolve("pulled");
    PublishedVersion v = store.pull(version, pulled);
    assertThat(v.manifest().lineage())
        .containsEntry("merge.method", "ties")
        .containsEntry("merge.base", "s3://merge-test/models/base")
        .containsEntry("merge.base.digest", "sha256:" + vBase.digest())
        .containsEntry("merge.source.0.digest", "sha256:" + va.digest())
        .doesNotContainKey("by");

    // the weights are the base plus the ties adapter's B'A', as BaseMerger writes them
    AdapterMerger.Result ties =
        expected(
            a,
            0.6,
            b,
            0.4,
            new MergeSpec(MergeMethod.TIES, 0.5, MajoritySign.TOTAL, OptionalInt.of(4), 0));
    Path want = work.resolve("want");
    BaseMerger.mergeIntoCopy(base, List.of(new Source(ties.adapter(), 1)), want);
    assertThat(Files.readAllBytes(pulled.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(want.resolve("model.safetensors")))
        .isNotEqualTo(Files.readAllBytes(base.resolve("model.safetensors")));
    assertThat(otherFiles(pulled)).isEqualTo(otherFiles(base));

    // unmerge: the base version named by the lineage pulls back byte for byte
    Path restored = work.resolve("restored");
    String baseDigest = v.manifest().lineage().get("merge.base.digest").substring(7);
    store.pull(S3Uri.parse("s3://merge-test/models/base/sha256-" + baseDigest + "/"), restored);
    for (String f :
        ArtifactStore.manifestOf(base, Map.of()).files().stream()
            .map(Manifest.Entry::path)
            .toList()) {
      assertThat(Files.readAllBytes(restored.resolve(f)))
          .as(f)
          .isEqualTo(Files.readAllBytes(base.resolve(f)));
    }
  }

  @Test
  void aMissingBaseDirectoryIsAUsageError() throws IOException {
    Path[] s = sources();
    Path out = work.resolve("never");
    Run r =
        run(
            "merge",
            "--method",
            "linear",
            "--into-base",
            work.resolve("no-model").toString(),
            "--source",
            s[0] + ":1",
            "--out",
            out.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(work.resolve("no-model") + " is not a directory");
    assertThat(out).doesNotExist();
  }
}
