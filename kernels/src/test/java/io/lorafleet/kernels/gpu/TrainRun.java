package io.lorafleet.kernels.gpu;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.artifacts.peft.PeftAdapterReader;
import io.lorafleet.artifacts.peft.PeftAdapterWriter;
import io.lorafleet.artifacts.safetensors.DType;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.train.LoraTrainer;
import io.lorafleet.engine.train.LoraTrainingOptions;
import io.lorafleet.engine.train.LossSum;
import io.lorafleet.engine.train.TrainingSequence;
import io.lorafleet.kernels.Device;
import io.lorafleet.kernels.DeviceBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The training step: the same LoRA run ({@link LoraTrainer}, rank 8 on all 7 modules, AdamW,
 * clipping) on the CPU backend and on the device, step by step on the same data; the loss curves
 * must agree within {@code bound}. The device run's adapter is written in PEFT's layout ({@code
 * trained-adapter/}) with our logits for it over every position of the evaluation sequences ({@code
 * trained-logits.f32}, sequences in {@code train-eval.txt}), read back from that directory, for the
 * comparison with PEFT.
 */
final class TrainRun {
  private static final double LEARNING_RATE = 1e-3;

  private TrainRun() {}

  /** Returns whether the curves agreed. */
  static boolean run(AcceptanceShapes shapes, String deviceName, Path work, double bound)
      throws IOException {
    Path modelDir = TestModelGenerator.write(shapes.trainModel(), work.resolve("train-model"));
    List<TrainingSequence> data = data(shapes, 1);
    int threads = Runtime.getRuntime().availableProcessors();
    double[] cpuLoss;
    long start = System.nanoTime();
    try (CpuBackend cpu = new CpuBackend(threads)) {
      cpuLoss =
          train(shapes, LlamaModel.load(modelDir, WeightPrecision.AS_STORED, cpu), data, null);
    }
    double cpuSeconds = ModelSetup.seconds(start);
    double[] deviceLoss;
    start = System.nanoTime();
    try (Device device = AcceptanceDevices.open(deviceName);
        DeviceBackend backend = new DeviceBackend(device)) {
      LlamaModel model = LlamaModel.load(modelDir, WeightPrecision.AS_STORED, backend);
      deviceLoss = train(shapes, model, data, work.resolve("trained-adapter"));
      double deviceSeconds = ModelSetup.seconds(start);
      writeLogits(shapes, model, work);
      System.out.printf(
          Locale.ROOT,
          "[train] %d steps of %d x %d tokens: cpu %.1f s, %s %.1f s%n",
          shapes.trainSteps(),
          shapes.trainSequences(),
          shapes.trainLength(),
          cpuSeconds,
          device.name(),
          deviceSeconds);
    }
    StringBuilder curve = new StringBuilder("step cpu device\n");
    double worst = 0;
    for (int s = 0; s < cpuLoss.length; s++) {
      worst = Math.max(worst, Math.abs(cpuLoss[s] - deviceLoss[s]));
      curve.append(String.format(Locale.ROOT, "%d %.9f %.9f%n", s, cpuLoss[s], deviceLoss[s]));
    }
    Files.writeString(work.resolve("loss-curves.txt"), curve);
    boolean ok = worst <= bound;
    System.out.printf(
        Locale.ROOT,
        "[train] loss %.6f -> %.6f (cpu) and %.6f -> %.6f (device); max |difference| %.3e"
            + " (bound %.0e): %s%n",
        cpuLoss[0],
        cpuLoss[cpuLoss.length - 1],
        deviceLoss[0],
        deviceLoss[deviceLoss.length - 1],
        worst,
        bound,
        ok ? "PASS" : "FAIL");
    return ok;
  }

  private static double[] train(
      AcceptanceShapes shapes, LlamaModel model, List<TrainingSequence> data, Path adapterOut)
      throws IOException {
    LoraTrainingOptions options =
        new LoraTrainingOptions(
            8,
            16,
            false,
            0,
            List.of(LinearModule.values()).stream().filter(LinearModule::inDecoderLayer).toList(),
            LoraTrainingOptions.Init.STANDARD,
            7,
            0.01,
            0.9,
            0.999,
            1e-8,
            1.0);
    double[] loss = new double[shapes.trainSteps()];
    try (LoraTrainer t = LoraTrainer.create(model, options)) {
      for (int s = 0; s < loss.length; s++) {
        LossSum l = t.accumulate(data, s);
        t.step(LEARNING_RATE, l.targets());
        loss[s] = l.mean();
      }
      if (adapterOut != null) {
        PeftAdapterWriter.write(t.toPublishedAdapter(DType.F32), adapterOut);
      }
    }
    return loss;
  }

  /** Our logits for the written adapter, read back as PEFT will read it. */
  private static void writeLogits(AcceptanceShapes shapes, LlamaModel model, Path work)
      throws IOException {
    List<TrainingSequence> eval = data(shapes, 2);
    List<int[]> prompts = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    for (TrainingSequence s : eval) {
      prompts.add(s.tokens());
      sb.append(String.join(" ", Arrays.stream(s.tokens()).mapToObj(Integer::toString).toList()))
          .append('\n');
    }
    Files.writeString(work.resolve("train-eval.txt"), sb);
    AdapterTable table =
        AdapterTable.empty(model.config().numHiddenLayers())
            .with(
                LoadedAdapter.of(
                    "trained",
                    PeftAdapterReader.read(work.resolve("trained-adapter")),
                    model.config()));
    int[] slots = new int[prompts.size()];
    Batches b = new Batches(model, table, prompts, slots, 0);
    F32File.write(work.resolve("trained-logits.f32"), b.prefill(prompts, true));
  }

  private static List<TrainingSequence> data(AcceptanceShapes shapes, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<TrainingSequence> data = new ArrayList<>();
    for (int i = 0; i < shapes.trainSequences(); i++) {
      int[] tokens = rnd.ints(shapes.trainLength(), 0, shapes.trainModel().vocabSize()).toArray();
      boolean[] mask = new boolean[tokens.length];
      Arrays.fill(mask, 1, tokens.length, true);
      data.add(new TrainingSequence(tokens, mask));
    }
    return data;
  }
}
