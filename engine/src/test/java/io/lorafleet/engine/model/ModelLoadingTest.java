package io.lorafleet.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.artifacts.safetensors.SafetensorsFormatException;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.ObjectStoreException;
import io.lorafleet.artifacts.store.PlainDirectory;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.support.EngineRun;
import io.lorafleet.engine.support.InMemoryObjectStore;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading HF directories: dtypes, architectures, tied heads, refusals, object storage. */
class ModelLoadingTest {
  @TempDir Path tmp;
  private static CpuBackend backend;
  private static final int[] IDS = {4, 8, 15, 16, 23, 42};

  @BeforeAll
  static void start() {
    backend = new CpuBackend();
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  private static float[] logits(LlamaModel m) {
    return EngineRun.prefill(
        m, AdapterTable.empty(m.config().numHiddenLayers()), List.of(IDS), new int[] {-1});
  }

  @Test
  void bf16WeightsKeptAsBf16GiveExactlyTheWidenedFp32Result() throws Exception {
    Path dir =
        TestModelGenerator.write(TestModelSpec.llamaGqa().withDtype(DType.BF16), tmp.resolve("h"));
    LlamaModel asStored = LlamaModel.load(dir, WeightPrecision.AS_STORED, backend);
    LlamaModel widened = LlamaModel.load(dir, WeightPrecision.F32, backend);
    assertThat(asStored.weights().layers().getFirst().q().dtype()).isEqualTo(DType.BF16);
    assertThat(widened.weights().layers().getFirst().q().dtype()).isEqualTo(DType.F32);
    assertThat(asStored.weights().bytesPerToken() * 2).isEqualTo(widened.weights().bytesPerToken());
    assertThat(logits(asStored)).isEqualTo(logits(widened));
  }

  @Test
  void mistralArchitectureAndTiedHeadLoad() throws Exception {
    TestModelSpec s = TestModelSpec.llamaGqa();
    TestModelSpec mistral =
        new TestModelSpec(
            "MistralForCausalLM",
            s.hiddenSize(),
            s.intermediateSize(),
            s.layers(),
            s.heads(),
            s.kvHeads(),
            s.vocabSize(),
            true,
            s.ropeTheta(),
            s.ropeScaling(),
            s.rmsNormEps(),
            DType.F32,
            3);
    LlamaModel m =
        LlamaModel.load(
            TestModelGenerator.write(mistral, tmp.resolve("mi")),
            WeightPrecision.AS_STORED,
            backend);
    assertThat(m.config().modelType()).isEqualTo("mistral");
    assertThat(m.weights().lmHead())
        .as("tied: the head is the embedding")
        .isSameAs(m.weights().embedTokens());
    float[] l = logits(m);
    assertThat(l).hasSize(IDS.length * s.vocabSize());
    for (float v : l) {
      assertThat(Float.isFinite(v)).isTrue();
    }
  }

  @Test
  void refusesWeightsThatDoNotMatchTheConfig() throws Exception {
    Path dir = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("bad"));
    editConfig(dir, "\"intermediate_size\" : 160", "\"intermediate_size\" : 128");
    assertThatThrownBy(() -> LlamaModel.load(dir, WeightPrecision.AS_STORED, backend))
        .isInstanceOf(SafetensorsFormatException.class)
        .hasMessageContaining("model.layers.0.mlp.gate_proj.weight")
        .hasMessageContaining("[160, 64]")
        .hasMessageContaining("[128, 64]");
    Path tied = TestModelGenerator.write(TestModelSpec.qwen2TiedBias(), tmp.resolve("t"));
    editConfig(tied, "\"tie_word_embeddings\" : true", "\"tie_word_embeddings\" : false");
    assertThatThrownBy(() -> LlamaModel.load(tied, WeightPrecision.AS_STORED, backend))
        .hasMessageContaining("lm_head.weight");
  }

  private static void editConfig(Path dir, String from, String to) throws Exception {
    String cfg = Files.readString(dir.resolve("config.json"));
    assertThat(cfg).contains(from);
    Files.writeString(dir.resolve("config.json"), cfg.replace(from, to));
  }

  @Test
  void refusesAnAdapterForAnotherShape() throws Exception {
    LlamaModel small =
        LlamaModel.load(
            TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("s")),
            WeightPrecision.AS_STORED,
            backend);
    LlamaModel other =
        LlamaModel.load(
            TestModelGenerator.write(TestModelSpec.qwen2TiedBias(), tmp.resolve("o")),
            WeightPrecision.AS_STORED,
            backend);
    var adapter =
        TestAdapterGenerator.generate(
            TestAdapterGenerator.Spec.simple(4, 8, List.of("k_proj"), 1), small.config());
    assertThat(LoadedAdapter.of("ok", adapter, small.config()).modules()).hasSize(2);
    assertThatThrownBy(() -> LoadedAdapter.of("x", adapter, other.config()))
        .hasMessageContaining("model.layers.0.self_attn.k_proj")
        .hasMessageContaining("[32, 64]")
        .hasMessageContaining("[16, 64]");
  }

  @Test
  void loadsFromObjectStorageThroughADigestKeyedCache() throws Exception {
    Path dir = TestModelGenerator.write(TestModelSpec.qwen2TiedBias(), tmp.resolve("src"));
    InMemoryObjectStore objects = new InMemoryObjectStore();
    ArtifactStore store = new ArtifactStore(objects, RetryPolicy.defaults());
    var published = store.push(dir, S3Uri.parse("s3://models/team/qwen-tiny/"), Map.of());
    ModelFetcher fetcher = new ModelFetcher(store, Files.createDirectories(tmp.resolve("cache")));
    Path local = fetcher.fetch(S3Uri.parse("s3://models/team/qwen-tiny/"));
    assertThat(local.getFileName().toString()).isEqualTo("sha256-" + published.digest());
    LlamaModel fromStore = LlamaModel.load(local, WeightPrecision.AS_STORED, backend);
    LlamaModel fromDisk = LlamaModel.load(dir, WeightPrecision.AS_STORED, backend);
    assertThat(logits(fromStore)).isEqualTo(logits(fromDisk));
    int before = objects.gets();
    assertThat(fetcher.fetch(published.uri())).isEqualTo(local);
    assertThat(objects.gets() - before).as("second fetch reads only the manifest").isEqualTo(1);

    // A version whose file is corrupted in the store fails verification and leaves no directory.
    Path other = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("src2"));
    var second = store.push(other, S3Uri.parse("s3://models/team/llama-tiny/"), Map.of());
    objects.putBytes("models", second.uri().prefix() + "config.json", "{}".getBytes());
    assertThatThrownBy(() -> fetcher.fetch(second.uri())).isInstanceOf(Exception.class);
    try (var left = Files.list(tmp.resolve("cache"))) {
      assertThat(left.map(p -> p.getFileName().toString()).toList())
          .containsExactly("sha256-" + published.digest());
    }
  }

  @Test
  void loadsAPlainDirectoryUploadedWithoutAManifest() throws Exception {
    Path dir = TestModelGenerator.write(TestModelSpec.llamaGqa(), tmp.resolve("plain-src"));
    InMemoryObjectStore objects = new InMemoryObjectStore();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        objects.putBytes("models", "hf/llama/" + f.getFileName(), Files.readAllBytes(f));
      }
    }
    ModelFetcher fetcher =
        new ModelFetcher(
            new ArtifactStore(objects, RetryPolicy.defaults()),
            Files.createDirectories(tmp.resolve("plain-cache")));
    ModelFetcher.FetchedModel fetched = fetcher.fetchModel(S3Uri.parse("s3://models/hf/llama/"));
    String listing = PlainDirectory.listingDigest(objects.list("models", "hf/llama/"), "hf/llama/");
    assertThat(fetched.digest()).isEqualTo("sha256:" + listing);
    assertThat(logits(LlamaModel.load(fetched.dir(), WeightPrecision.AS_STORED, backend)))
        .isEqualTo(logits(LlamaModel.load(dir, WeightPrecision.AS_STORED, backend)));
    int before = objects.gets();
    assertThat(fetcher.fetchModel(S3Uri.parse("s3://models/hf/llama/")).dir())
        .isEqualTo(fetched.dir());
    assertThat(objects.gets()).as("a complete copy is not downloaded again").isEqualTo(before);

    // Neither a version nor a config.json: NOT_FOUND, nothing left in the cache.
    assertThatThrownBy(() -> fetcher.fetchModel(S3Uri.parse("s3://models/hf/none/")))
        .isInstanceOfSatisfying(
            ObjectStoreException.class,
            e -> assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.NOT_FOUND));
    try (var left = Files.list(tmp.resolve("plain-cache"))) {
      assertThat(left.map(p -> p.getFileName().toString()).toList())
          .containsExactly("plain-" + listing);
    }
  }
}
