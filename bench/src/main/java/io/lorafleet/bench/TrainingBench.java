package io.lorafleet.bench;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.parity.TorchReference;
import io.lorafleet.engine.train.LoraTrainer;
import io.lorafleet.engine.train.LoraTrainingOptions;
import io.lorafleet.engine.train.LossSum;
import io.lorafleet.engine.train.TrainingSequence;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training throughput (issue 5): one optimizer step = forward + backward over a micro-batch +
 * clipping + AdamW, on the SmolLM2-135M-shaped model (fp32), rank-16 LoRA on all seven linear
 * modules, every position a target. Ours ({@link LoraTrainer} with activation recomputation, its
 * default, and with all activations kept) against PyTorch 2.5.1 through DJL doing the same step
 * ({@link TorchReference}: full causal pass per sequence, autograd on the LoRA A/B only, summed
 * cross-entropy, global-norm clipping and AdamW on the LoRA tensors, no activation checkpointing),
 * in the same process with alternating steps. Prints target tokens/s of each and the ratios.
 *
 * <p>{@code -Dlorafleet.bench.train.seq} (default 128), {@code .batch} (4), {@code .steps} (5),
 * {@code .threads} (2, ours); PyTorch's threads: {@code -Dai.djl.pytorch.num_threads}.
 */
public final class TrainingBench {
  private TrainingBench() {}

  public static void main(String[] args) throws Exception {
    int seq = Integer.getInteger("lorafleet.bench.train.seq", 128);
    int batch = Integer.getInteger("lorafleet.bench.train.batch", 4);
    int steps = Integer.getInteger("lorafleet.bench.train.steps", 5);
    Path dir = BenchData.model(DType.F32);
    List<TrainingSequence> data = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(1);
    for (int b = 0; b < batch; b++) {
      int[] t = r.ints(seq, 0, 49152).toArray();
      boolean[] m = new boolean[seq];
      java.util.Arrays.fill(m, 1, seq, true);
      data.add(new TrainingSequence(t, m));
    }
    long tokensPerStep = (long) batch * (seq - 1);
    LoraTrainingOptions options =
        new LoraTrainingOptions(
            BenchData.ADAPTER_RANK,
            32,
            false,
            0,
            List.of(
                LinearModule.Q_PROJ,
                LinearModule.K_PROJ,
                LinearModule.V_PROJ,
                LinearModule.O_PROJ,
                LinearModule.GATE_PROJ,
                LinearModule.UP_PROJ,
                LinearModule.DOWN_PROJ),
            LoraTrainingOptions.Init.STANDARD,
            7,
            0.01,
            0.9,
            0.999,
            1e-8,
            1.0);
    Path adapter = BenchData.root().resolve("training-adapter");
    int threads = Integer.getInteger("lorafleet.bench.train.threads", 2);
    try (CpuBackend backend = new CpuBackend(threads)) {
      LlamaModel model = LlamaModel.load(dir, WeightPrecision.AS_STORED, backend);
      try (LoraTrainer recompute = LoraTrainer.create(model, options, threads);
          LoraTrainer keep = LoraTrainer.create(model, options, threads, Long.MAX_VALUE)) {
        PeftAdapterWriter.write(recompute.toAdapter(DType.F32), adapter);
        try (TorchReference torch = new TorchReference(dir, adapter)) {
          List<int[]> ids = data.stream().map(TrainingSequence::tokens).toList();
          List<boolean[]> masks = data.stream().map(TrainingSequence::lossMask).toList();
          String ours = "lorafleet (" + backend.name() + ")";
          List<String> names =
              List.of(
                  ours + ", recomputation (default)",
                  ours + ", activations kept",
                  TorchReference.engineName()
                      + " via DJL ("
                      + System.getProperty("ai.djl.pytorch.num_threads", "default")
                      + " threads)");
          List<Step> bodies =
              List.of(
                  s -> oursStep(recompute, data, s),
                  s -> oursStep(keep, data, s),
                  s -> {
                    float loss = torch.loraGradients(ids, masks).get("loss")[0];
                    torch.adamWStep(1e-4, 0.01, 0.9, 0.999, 1e-8, tokensPerStep, 1.0);
                    return loss / tokensPerStep;
                  });
          // Alternating steps, so that load from other processes falls on all alike.
          // The median step counts: other processes on a shared machine make single steps slow
          // (PyTorch's OpenMP threads suffer most when the cores are oversubscribed).
          double[][] seconds = new double[3][steps];
          for (int s = 0; s <= steps; s++) {
            for (int w = 0; w < 3; w++) {
              double sec = time(names.get(w), s, bodies.get(w));
              if (s > 0) { // step 0 is the warm-up
                seconds[w][s - 1] = sec;
              }
            }
          }
          double[] rate = new double[3];
          for (int w = 0; w < 3; w++) {
            java.util.Arrays.sort(seconds[w]);
            rate[w] = tokensPerStep / seconds[w][steps / 2];
          }
          System.out.printf(
              Locale.ROOT,
              "%n== LoRA training step, SmolLM2-135M shape fp32, r=16 on 7 modules,"
                  + " %d x %d tokens, median of %d steps ==%n"
                  + "lorafleet, recomputation %.1f tokens/s = %.2f x pytorch%n"
                  + "lorafleet, activations kept %.1f tokens/s = %.2f x pytorch%n"
                  + "pytorch %.1f tokens/s%n",
              batch,
              seq,
              steps,
              rate[0],
              rate[0] / rate[2],
              rate[1],
              rate[1] / rate[2],
              rate[2]);
        }
      }
    }
  }

  private static double oursStep(LoraTrainer t, List<TrainingSequence> data, int step) {
    LossSum l = t.accumulate(data, step);
    t.step(1e-4, l.targets());
    return l.mean();
  }

  @FunctionalInterface
  interface Step {
    double run(int step);
  }

  /** Runs one step; returns its wall time in seconds. */
  private static double time(String who, int step, Step body) {
    long t = System.nanoTime();
    double loss = body.run(step);
    double sec = (System.nanoTime() - t) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "%s: step %d%s %.2f s, loss %.4f%n",
        who,
        step,
        step == 0 ? " (warm-up)" : "",
        sec,
        loss);
    return sec;
  }
}
