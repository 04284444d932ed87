package io.lorafleet.cli;

import io.lorafleet.artifacts.compat.CompatibilityChecker;
import io.lorafleet.artifacts.compat.CompatibilityLimits;
import io.lorafleet.artifacts.compat.CompatibilityReport;
import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.safetensors.SafetensorsFile;
import io.lorafleet.artifacts.store.ArtifactStore;
import io.lorafleet.artifacts.store.PublishedVersion;
import io.lorafleet.artifacts.store.RetryPolicy;
import io.lorafleet.artifacts.store.S3Uri;
import io.lorafleet.artifacts.store.local.LocalObjectStore;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.GenerationRequest;
import io.lorafleet.engine.model.GenerationResult;
import io.lorafleet.engine.model.Generator;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.ModelFetcher;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.model.SamplingParams;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.engine.tokenizer.HfTokenizer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The local main job: embedded object storage, a small model it creates, adapters published as
 * immutable versions, checked against the model, fetched back by digest and served side by side in
 * one batch on the CPU backend. Nothing is downloaded; the data stays under --data-dir.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Local end-to-end run: embedded S3, a small random Llama-shaped model, LoRA adapters"
            + " published, validated, fetched by digest and served in one mixed batch (CPU).")
final class DemoCommand implements Callable<Integer> {
  @ParentCommand Lorafleet parent;

  @Option(
      names = "--data-dir",
      defaultValue = ".lorafleet/demo",
      description =
          "Where the embedded object store and caches keep their files (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--adapters",
      defaultValue = "3",
      description = "Adapters to create and serve (default: ${DEFAULT-VALUE}).")
  int adapters;

  @Option(
      names = "--max-tokens",
      defaultValue = "12",
      description = "Tokens to generate per row (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(
      names = "--prompt",
      defaultValue = "the quick brown fox",
      description = "Prompt of every row (default: '${DEFAULT-VALUE}').")
  String prompt;

  @Override
  public Integer call() throws Exception {
    if (adapters < 1 || adapters > 32) {
      throw new IllegalArgumentException("--adapters must be between 1 and 32");
    }
    PrintWriter out = parent.out();
    long start = System.nanoTime();
    Path work = Files.createDirectories(dataDir.resolve("work")).toAbsolutePath();
    try (LocalObjectStore local = LocalObjectStore.start(dataDir.resolve("s3").toAbsolutePath())) {
      ArtifactStore store = new ArtifactStore(local.client(), RetryPolicy.defaults());
      local.client().ensureBucket("lorafleet");
      out.printf(
          "1/6 embedded object storage (S3Proxy) at %s, data in %s%n",
          local.endpoint(), dataDir.resolve("s3"));

      Path modelDir =
          TestModelGenerator.write(
              TestModelSpec.llamaGqa(), Files.createTempDirectory(work, "model"));
      ModelConfig config = ModelLoader.config(modelDir);
      PublishedVersion model =
          store.push(
              modelDir,
              S3Uri.parse("s3://lorafleet/default/models/demo-llama"),
              Map.of("source", "lorafleet demo"));
      out.printf(
          "2/6 model %s (%d layers, hidden %d, %d/%d heads, vocab %d) published: sha256:%s%n",
          config.architecture(),
          config.numHiddenLayers(),
          config.hiddenSize(),
          config.numAttentionHeads(),
          config.numKeyValueHeads(),
          config.vocabSize(),
          model.digest());

      List<PublishedVersion> published = new ArrayList<>();
      for (int i = 0; i < adapters; i++) {
        int rank = 4 << (i % 3);
        Path dir = Files.createTempDirectory(work, "adapter");
        TestAdapterGenerator.write(
            TestAdapterGenerator.Spec.simple(
                rank, 2.0 * rank, List.of("q_proj", "k_proj", "v_proj", "o_proj"), 100 + i),
            config,
            dir);
        CompatibilityReport report =
            CompatibilityChecker.check(
                io.lorafleet.artifacts.peft.AdapterConfigParser.read(
                    dir.resolve("adapter_config.json")),
                SafetensorsFile.readHeader(dir.resolve(PeftAdapterReader.WEIGHTS_FILE))
                    .tensors()
                    .values(),
                config,
                CompatibilityLimits.maxRank(64));
        if (!report.compatible()) {
          throw new IllegalStateException("adapter-" + i + " does not fit: " + report.summary());
        }
        PublishedVersion version =
            store.push(
                dir,
                S3Uri.parse("s3://lorafleet/default/adapters/adapter-" + i),
                Map.of("baseModelDigest", "sha256:" + model.digest()));
        published.add(version);
        out.printf(
            "3/6 adapter-%d (rank %d) %s, published: sha256:%s%n",
            i, rank, report.summary(), version.digest());
      }

      Path fetched =
          new ModelFetcher(store, dataDir.resolve("cache").toAbsolutePath()).fetch(model.uri());
      LlamaModel llama = LlamaModel.load(fetched, WeightPrecision.F32, new CpuBackend());
      AdapterTable table = AdapterTable.empty(config.numHiddenLayers());
      for (int i = 0; i < adapters; i++) {
        Path dir = Files.createTempDirectory(work, "pulled");
        store.pull(published.get(i).uri(), dir);
        table = table.with(LoadedAdapter.of("adapter-" + i, PeftAdapterReader.read(dir), config));
      }
      out.printf(
          "4/6 model and %d adapters fetched back by digest (every file's sha256 verified), loaded on the %s backend%n",
          adapters, llama.backend().name());

      try (HfTokenizer tokenizer = HfTokenizer.load(fetched)) {
        int[] ids = tokenizer.encode(prompt, false);
        SamplingParams greedy = SamplingParams.greedy(maxTokens, Set.of());
        List<GenerationRequest> batch = new ArrayList<>();
        batch.add(new GenerationRequest(ids, -1, greedy));
        for (int i = 0; i < adapters; i++) {
          batch.add(new GenerationRequest(ids, table.slotOf("adapter-" + i), greedy));
        }
        List<GenerationResult> together =
            new Generator(llama, table, llama.newCache(256, 16)).generate(batch);
        out.printf(
            "5/6 one batch, %d rows (base model and %d adapters), prompt '%s', %d greedy tokens each:%n",
            batch.size(), adapters, prompt, maxTokens);
        for (int row = 0; row < batch.size(); row++) {
          String name = row == 0 ? "base     " : "adapter-" + (row - 1);
          out.printf(
              "    %s -> %s%n",
              name, tokenizer.decode(together.get(row).tokens(), true).replace("\n", "\\n"));
        }
        int same = 0;
        for (int row = 0; row < batch.size(); row++) {
          GenerationResult alone =
              new Generator(llama, table, llama.newCache(64, 16))
                  .generate(List.of(batch.get(row)))
                  .getFirst();
          if (Arrays.equals(alone.tokens(), together.get(row).tokens())) {
            same++;
          }
        }
        out.printf(
            "6/6 each row run alone gives the same tokens: %d/%d rows identical%n",
            same, batch.size());
        out.printf("done in %.1f s%n", (System.nanoTime() - start) / 1e9);
        return same == batch.size() ? 0 : 1;
      }
    }
  }
}
