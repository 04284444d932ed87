package io.lorafleet.engine.train;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Shared fixtures of the training tests: generated models, options and random batches. */
final class TrainTestSupport {
  static final List<LinearModule> ALL_LINEAR =
      List.of(
          LinearModule.Q_PROJ,
          LinearModule.K_PROJ,
          LinearModule.V_PROJ,
          LinearModule.O_PROJ,
          LinearModule.GATE_PROJ,
          LinearModule.UP_PROJ,
          LinearModule.DOWN_PROJ);

  private TrainTestSupport() {}

  static Path writeModel(TestModelSpec spec, Path dir) {
    try {
      return TestModelGenerator.write(spec, dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static LlamaModel load(Path dir, int threads) {
    try {
      return LlamaModel.load(dir, WeightPrecision.AS_STORED, new CpuBackend(threads));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static LoraTrainingOptions options(
      int rank, double alpha, boolean rslora, double dropout, List<LinearModule> targets) {
    return new LoraTrainingOptions(
        rank,
        alpha,
        rslora,
        dropout,
        targets,
        LoraTrainingOptions.Init.STANDARD,
        1234,
        0.01,
        0.9,
        0.999,
        1e-8,
        1.0);
  }

  /** Random sequences: a prompt of 1-3 tokens (not targets), then targets, one target skipped. */
  static List<TrainingSequence> randomBatch(long seed, int vocab, int... lengths) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TrainingSequence> out = new ArrayList<>();
    for (int len : lengths) {
      int[] t = new int[len];
      boolean[] m = new boolean[len];
      int prompt = 1 + r.nextInt(3);
      for (int i = 0; i < len; i++) {
        t[i] = r.nextInt(vocab);
        m[i] = i >= prompt;
      }
      m[len - 2] = false; // a hole inside the completion
      out.add(new TrainingSequence(t, m));
    }
    return out;
  }

  /** A state with every A and B drawn from U(-bound, bound) and zero moments. */
  static TrainingState randomFactors(TrainingState s, long seed, double bound) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, float[]> t = new HashMap<>();
    for (Map.Entry<String, float[]> e : s.tensors().entrySet()) {
      float[] v = new float[e.getValue().length];
      if (!e.getKey().contains(".exp_avg")) {
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) r.nextDouble(-bound, bound);
        }
      }
      t.put(e.getKey(), v);
    }
    return new TrainingState(t, s.shapes(), 0);
  }

  static double relError(float[] ours, float[] ref) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < ref.length; i++) {
      double d = (double) ours[i] - ref[i];
      diff += d * d;
      norm += (double) ref[i] * ref[i];
    }
    return Math.sqrt(diff / norm);
  }
}
