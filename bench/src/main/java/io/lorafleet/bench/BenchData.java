package io.lorafleet.bench;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The benchmark's files, generated once and reused: a random SmolLM2-135M-shaped model (30 layers,
 * hidden 576, 9/3 heads, vocab 49152, tied) and rank-16 adapters on all seven linear modules.
 */
public final class BenchData {
  public static final int ADAPTER_RANK = 16;
  private static final List<String> ALL_LINEAR =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  private BenchData() {}

  /**
   * {@code -Dlorafleet.bench.dir}, default {@code target/bench-data} under the working directory.
   */
  public static Path root() {
    return Path.of(System.getProperty("lorafleet.bench.dir", "target/bench-data"));
  }

  public static synchronized Path model(DType dtype) throws IOException {
    Path dir = root().resolve("smollm2-shape-" + dtype.name().toLowerCase());
    if (!Files.exists(dir.resolve("model.safetensors"))) {
      TestModelGenerator.write(TestModelSpec.smolLm2Shape(dtype), dir);
    }
    return dir;
  }

  public static synchronized Path adapter(Path modelDir, int index) throws IOException {
    Path dir = modelDir.resolveSibling(modelDir.getFileName() + "-adapters").resolve("a" + index);
    if (!Files.exists(dir.resolve("adapter_model.safetensors"))) {
      ModelConfig c = ModelLoader.config(modelDir);
      TestAdapterGenerator.write(
          TestAdapterGenerator.Spec.simple(ADAPTER_RANK, 32, ALL_LINEAR, 1000 + index), c, dir);
    }
    return dir;
  }
}
