package io.lorafleet.bench.serving;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.bench.BenchData;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The serving benchmark's files, generated once under the bench data directory: a random 34M
 * parameter Llama (8 layers, hidden 512, MLP 1536, 8/4 heads, vocab 8192, fp32) and rank-16
 * adapters on q, k, v and o.
 */
final class ServingData {
  static final int RANK = 16;
  static final List<String> TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj");

  private ServingData() {}

  static TestModelSpec spec() {
    return new TestModelSpec(
        "LlamaForCausalLM",
        512,
        1536,
        8,
        8,
        4,
        8192,
        false,
        10000,
        Optional.empty(),
        1e-5,
        DType.F32,
        77);
  }

  static Path model() throws IOException {
    Path dir = BenchData.root().resolve("serving-llama-34m");
    if (!Files.exists(dir.resolve("model.safetensors"))) {
      TestModelGenerator.write(spec(), dir);
    }
    return dir;
  }

  static List<Path> adapters(Path model, int count) throws IOException {
    ModelConfig c = ModelLoader.config(model);
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Path dir = BenchData.root().resolve("serving-adapters").resolve("a" + i);
      if (!Files.exists(dir.resolve("adapter_model.safetensors"))) {
        TestAdapterGenerator.write(
            TestAdapterGenerator.Spec.simple(RANK, 2.0 * RANK, TARGETS, 5000 + i), c, dir);
      }
      dirs.add(dir);
    }
    return dirs;
  }
}
