package io.lorafleet.kernels.gpu;

import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.lora.LoadedAdapter;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestAdapterGenerator;
import io.lorafleet.kernels.Device;
import io.lorafleet.kernels.DeviceBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Decode throughput of our engine: for each batch size, a prefill of random prompts, two warm-up
 * decode steps, then {@code decodeSteps} timed steps (each a full forward whose logits come back to
 * the host; the next tokens are a fixed sequence, so sampling is not timed); then the same at the
 * adapter batch with every row on its own adapter (rank 16 on all 7 modules). Writes {@code
 * decode-ours.json}: tokens/s per batch and with adapters.
 */
final class DecodeRun {
  private static final int WARMUP = 2;

  private DecodeRun() {}

  static void run(AcceptanceShapes shapes, String deviceName, Path work) throws IOException {
    try (Device device = AcceptanceDevices.open(deviceName);
        DeviceBackend backend = new DeviceBackend(device)) {
      LlamaModel model = LlamaModel.load(work.resolve("model"), WeightPrecision.AS_STORED, backend);
      int layers = model.config().numHiddenLayers();
      StringBuilder json = new StringBuilder("{\"device\": \"" + device.name() + "\", \"base\": {");
      double baseAtAdapterBatch = 0;
      for (int i = 0; i < shapes.decodeBatches().length; i++) {
        int b = shapes.decodeBatches()[i];
        double tps = tokensPerSecond(shapes, model, AdapterTable.empty(layers), b, false);
        json.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "\"%d\": %.3f", b, tps));
        if (b == shapes.adapterBatch()) {
          baseAtAdapterBatch = tps;
        }
      }
      if (baseAtAdapterBatch == 0) {
        baseAtAdapterBatch =
            tokensPerSecond(
                shapes, model, AdapterTable.empty(layers), shapes.adapterBatch(), false);
      }
      AdapterTable table = AdapterTable.empty(layers);
      for (int a = 0; a < shapes.adapterBatch(); a++) {
        table =
            table.with(
                LoadedAdapter.of(
                    "serving-" + a,
                    TestAdapterGenerator.generate(
                        AcceptanceShapes.servingAdapter(a), model.config()),
                    model.config()));
      }
      double withAdapters = tokensPerSecond(shapes, model, table, shapes.adapterBatch(), true);
      json.append(
          String.format(
              Locale.ROOT,
              "}, \"adapter_batch\": %d, \"base_at_adapter_batch\": %.3f,"
                  + " \"distinct_adapters\": %.3f}%n",
              shapes.adapterBatch(),
              baseAtAdapterBatch,
              withAdapters));
      Files.writeString(work.resolve("decode-ours.json"), json);
      System.out.printf(
          Locale.ROOT,
          "[decode] %d distinct adapters at batch %d: %.1f tokens/s vs %.1f base (cost %.1f%%)%n",
          shapes.adapterBatch(),
          shapes.adapterBatch(),
          withAdapters,
          baseAtAdapterBatch,
          100 * (1 - withAdapters / baseAtAdapterBatch));
    }
  }

  private static double tokensPerSecond(
      AcceptanceShapes shapes,
      LlamaModel model,
      AdapterTable adapters,
      int batch,
      boolean distinctAdapters) {
    int vocab = model.config().vocabSize();
    SplittableRandom rnd = new SplittableRandom(batch);
    List<int[]> prompts = new ArrayList<>();
    int[] slots = new int[batch];
    for (int s = 0; s < batch; s++) {
      prompts.add(rnd.ints(shapes.promptLength(), 0, vocab).toArray());
      slots[s] = distinctAdapters ? s : -1;
    }
    Batches b = new Batches(model, adapters, prompts, slots, WARMUP + shapes.decodeSteps());
    b.prefill(prompts, false);
    int[] next = new int[batch];
    for (int step = 0; step < WARMUP; step++) {
      b.decode(advance(next, step, vocab));
    }
    long start = System.nanoTime();
    for (int step = 0; step < shapes.decodeSteps(); step++) {
      b.decode(advance(next, WARMUP + step, vocab));
    }
    double seconds = ModelSetup.seconds(start);
    double tps = (double) batch * shapes.decodeSteps() / seconds;
    System.out.printf(
        Locale.ROOT,
        "[decode] batch %d%s: %d steps in %.3f s, %.1f tokens/s (%.2f ms a step)%n",
        batch,
        distinctAdapters ? " (" + batch + " distinct adapters)" : "",
        shapes.decodeSteps(),
        seconds,
        tps,
        1000 * seconds / shapes.decodeSteps());
    return tps;
  }

  /** A fixed continuation, the same on every run (no sampling in the timed loop). */
  private static int[] advance(int[] next, int step, int vocab) {
    for (int s = 0; s < next.length; s++) {
      next[s] = (int) ((next[s] * 31L + 7 + step + s) % vocab);
    }
    return next;
  }
}
