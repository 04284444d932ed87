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
 * AdamW, on the SmolLM2-135M-shaped model (fp32), rank-16 LoRA on all seven linear modules, every
 * position a target. Ours ({@link LoraTrainer}, activation recomputation on) against PyTorch 2.5.1
 * through DJL doing the same step ({@link TorchReference}: full causal pass per sequence, autograd
 * on the LoRA A/B only, summed cross-entropy, AdamW on the LoRA tensors), in the same process, one
 * after the other. Prints target tokens/s of each and the ratio.
 *
 * <p>{@code -Dlorafleet.bench.train.seq} (default 128), {@code .batch} (4), {@code .steps} (3),
 * {@code .threads} (2, ours); PyTorch's threads: {@code -Dai.djl.pytorch.num_threads}.
 */
public final class TrainingBench {
  private TrainingBench() {}

  public static void main(String[] args) throws Exception {
    int seq = Integer.getInteger("lorafleet.bench.train.seq", 128);
    int batch = Integer.getInteger("lorafleet.bench.train.batch", 4);
    int steps = Integer.getInteger("lorafleet.bench.train.steps", 3);
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
      try (LoraTrainer trainer = LoraTrainer.create(model, options, threads)) {
        PeftAdapterWriter.write(trainer.toAdapter(DType.F32), adapter);
        try (TorchReference torch = new TorchReference(dir, adapter)) {
          List<int[]> ids = data.stream().map(TrainingSequence::tokens).toList();
          List<boolean[]> masks = data.stream().map(TrainingSequence::lossMask).toList();
          Step oursStep =
              s -> {
                LossSum l = trainer.accumulate(data, s);
                trainer.step(1e-4, l.targets());
                return l.mean();
              };
          Step torchStep =
              s -> {
                float loss = torch.loraGradients(ids, masks).get("loss")[0];
                torch.adamWStep(1e-4, 0.01, 0.9, 0.999, 1e-8, tokensPerStep);
                return loss / tokensPerStep;
              };
          String oursName = "lorafleet (" + backend.name() + ")";
          String torchName =
              TorchReference.engineName()
                  + " via DJL ("
                  + System.getProperty("ai.djl.pytorch.num_threads", "default")
                  + " threads)";
          // Alternating steps, so that load from other processes falls on both alike.
          double[] seconds = new double[2];
          for (int s = 0; s <= steps; s++) {
            double a = time(oursName, s, oursStep);
            double b = time(torchName, s, torchStep);
            if (s > 0) { // step 0 is the warm-up
              seconds[0] += a;
              seconds[1] += b;
            }
          }
          double ours = steps * tokensPerStep / seconds[0];
          double theirs = steps * tokensPerStep / seconds[1];
          System.out.printf(
              Locale.ROOT,
              "%n== LoRA training step, SmolLM2-135M shape fp32, r=16 on 7 modules,"
                  + " %d x %d tokens, %d timed steps ==%n"
                  + "lorafleet %.1f tokens/s, pytorch %.1f tokens/s, ours / theirs = %.2f%n",
              batch,
              seq,
              steps,
              ours,
              theirs,
              ours / theirs);
        }
      }
    }
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
