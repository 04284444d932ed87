package io.lorafleet.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Same seed, same bytes: across runs, across a snapshot written to disk and restored into a new
 * trainer, across thread counts and with or without activation recomputation; with dropout on, so
 * the masks are part of what must repeat.
 */
class DeterminismTest {
  static final int STEPS = 6;

  @TempDir static Path tmp;
  static Path modelDir;

  @BeforeAll
  static void model() {
    modelDir = TrainTestSupport.writeModel(TestModelSpec.qwen2TiedBias(), tmp.resolve("model"));
  }

  static LoraTrainingOptions options(long seed) {
    LoraTrainingOptions o =
        TrainTestSupport.options(8, 16, false, 0.1, TrainTestSupport.ALL_LINEAR);
    return new LoraTrainingOptions(
        o.rank(),
        o.alpha(),
        o.useRslora(),
        o.dropout(),
        o.targetModules(),
        o.init(),
        seed,
        o.weightDecay(),
        o.beta1(),
        o.beta2(),
        o.epsilon(),
        o.maxGradNorm());
  }

  /** Two micro-batches per step, long enough sequences that attention runs in parallel. */
  static void train(LoraTrainer t, int fromStep, int toStep) {
    for (int s = fromStep; s < toStep; s++) {
      long targets = 0;
      for (int micro = 0; micro < 2; micro++) {
        List<TrainingSequence> b = TrainTestSupport.randomBatch(1000L * s + micro, 384, 40, 33);
        targets += t.accumulate(b, 2L * s + micro).targets();
      }
      t.step(2e-3, targets);
    }
  }

  static byte[] adapterBytes(LoraTrainer t, String name) throws Exception {
    Path dir = tmp.resolve(name);
    PeftAdapterWriter.write(t.toAdapter(DType.F32), dir);
    return Files.readAllBytes(dir.resolve(PeftAdapterReader.WEIGHTS_FILE));
  }

  static byte[] run(int threads, long seed, String name) throws Exception {
    return run(threads, seed, 0, 1, name); // the last layer is always kept
  }

  static byte[] run(int threads, long seed, long activationBudget, String name) throws Exception {
    return run(threads, seed, activationBudget, -1, name);
  }

  static byte[] run(int threads, long seed, long activationBudget, int kept, String name)
      throws Exception {
    LlamaModel m = TrainTestSupport.load(modelDir, threads);
    try (LoraTrainer t = LoraTrainer.create(m, options(seed), threads, activationBudget)) {
      train(t, 0, STEPS);
      if (kept >= 0) {
        assertThat(t.lastKeptLayers).as("layers kept").isEqualTo(kept);
      }
      return adapterBytes(t, name);
    } finally {
      m.backend().close();
    }
  }

  @Test
  void sameSeedSameBytesAcrossRunsThreadsAndResume() throws Exception {
    byte[] twoThreads = run(2, 5, "a");
    assertThat(run(2, 5, "b")).isEqualTo(twoThreads);
    assertThat(run(1, 5, "c")).as("1 thread vs 2").isEqualTo(twoThreads);
    assertThat(run(2, 6, "d")).as("another seed").isNotEqualTo(twoThreads);
    // Kept activations (all layers, or only some) instead of recomputation: same bytes.
    assertThat(run(2, 5, Long.MAX_VALUE, 2, "e")).as("no recomputation").isEqualTo(twoThreads);
    assertThat(run(1, 5, 800_000, 2, "f")).as("first and last layer kept").isEqualTo(twoThreads);

    // Interrupted after 3 steps: the state goes through a file into a fresh trainer.
    Path state = tmp.resolve("state.safetensors");
    LlamaModel m1 = TrainTestSupport.load(modelDir, 2);
    try (LoraTrainer first = LoraTrainer.create(m1, options(5))) {
      train(first, 0, 3);
      TrainingStateFiles.write(first.snapshot(), state);
    } finally {
      m1.backend().close();
    }
    LlamaModel m2 = TrainTestSupport.load(modelDir, 2);
    try (LoraTrainer resumed = LoraTrainer.create(m2, options(5))) {
      TrainingState read = TrainingStateFiles.read(state);
      assertThat(read.steps()).isEqualTo(3);
      resumed.restore(read);
      train(resumed, 3, STEPS);
      assertThat(resumed.steps()).isEqualTo(STEPS);
      assertThat(adapterBytes(resumed, "resumed"))
          .as("resumed vs uninterrupted")
          .isEqualTo(twoThreads);
    } finally {
      m2.backend().close();
    }
  }
}
