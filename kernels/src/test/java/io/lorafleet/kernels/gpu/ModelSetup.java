package io.lorafleet.kernels.gpu;

import io.lorafleet.artifacts.hf.ModelConfig;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.ModelLoader;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The logits comparison's inputs in a work directory: {@code model/} (random weights, HF layout),
 * {@code adapter-0..3/} (PEFT layout) and {@code prompts.txt} (one sequence a line: its adapter
 * slot, -1 for none, then its token ids).
 */
final class ModelSetup {
  static final int[] SLOTS = {0, 1, 2, 3, -1};
  static final int[] LENGTHS = {7, 12, 1, 20, 9};

  private ModelSetup() {}

  static void write(AcceptanceShapes shapes, Path work) throws IOException {
    long start = System.nanoTime();
    TestModelGenerator.write(shapes.model(), work.resolve("model"));
    ModelConfig config = ModelLoader.config(work.resolve("model"));
    List<TestAdapterGenerator.Spec> specs = AcceptanceShapes.logitAdapters();
    for (int i = 0; i < specs.size(); i++) {
      TestAdapterGenerator.write(specs.get(i), config, work.resolve("adapter-" + i));
    }
    SplittableRandom rnd = new SplittableRandom(17);
    StringBuilder sb = new StringBuilder();
    for (int s = 0; s < SLOTS.length; s++) {
      sb.append(SLOTS[s]);
      for (int i = 0; i < LENGTHS[s]; i++) {
        sb.append(' ').append(rnd.nextInt(shapes.model().vocabSize()));
      }
      sb.append('\n');
    }
    Files.writeString(work.resolve("prompts.txt"), sb.toString());
    System.out.printf(
        "[model] %s: %s model and %d adapters written in %.1f s%n",
        shapes.name(), shapes.model().architecture(), specs.size(), seconds(start));
  }

  static List<int[]> prompts(Path work) throws IOException {
    List<int[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(work.resolve("prompts.txt"))) {
      String[] f = line.trim().split(" ");
      int[] ids = new int[f.length - 1];
      for (int i = 1; i < f.length; i++) {
        ids[i - 1] = Integer.parseInt(f[i]);
      }
      out.add(ids);
    }
    return out;
  }

  static AdapterTable adapters(Path work, ModelConfig config) throws IOException {
    AdapterTable table = AdapterTable.empty(config.numHiddenLayers());
    for (int i = 0; i < AcceptanceShapes.logitAdapters().size(); i++) {
      table =
          table.with(
              LoadedAdapter.of(
                  "adapter-" + i, PeftAdapterReader.read(work.resolve("adapter-" + i)), config));
    }
    return table;
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
