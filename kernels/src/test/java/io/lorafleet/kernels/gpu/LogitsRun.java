package io.lorafleet.kernels.gpu;

import io.lorafleet.engine.lora.AdapterTable;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.kernels.Device;
import io.lorafleet.kernels.DeviceBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Our logits for the comparison with PyTorch: one mixed prefill of every prompt in {@code
 * prompts.txt} (four adapters and a base row in one batch), each prompt's last position, written to
 * {@code ours-logits.f32} as [prompts, vocab].
 */
final class LogitsRun {
  private LogitsRun() {}

  static void run(String deviceName, Path work) throws IOException {
    long start = System.nanoTime();
    try (Device device = AcceptanceDevices.open(deviceName);
        DeviceBackend backend = new DeviceBackend(device)) {
      LlamaModel model = LlamaModel.load(work.resolve("model"), WeightPrecision.AS_STORED, backend);
      AdapterTable adapters = ModelSetup.adapters(work, model.config());
      List<int[]> prompts = ModelSetup.prompts(work);
      Batches batch = new Batches(model, adapters, prompts, ModelSetup.SLOTS, 0);
      float[] logits = batch.prefill(prompts, false);
      F32File.write(work.resolve("ours-logits.f32"), logits);
      System.out.printf(
          "[logits] %s: %d prompts (adapter slots 0, 1, 2, 3 and none in one batch), %d logits,"
              + " %.1f s%n",
          device.name(), prompts.size(), logits.length, ModelSetup.seconds(start));
    }
  }
}
