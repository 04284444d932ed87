package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.artifacts.hf.LinearModule;
import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.Weights;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import io.lorafleet.engine.backend.cpu.TrainingKernels;
import io.lorafleet.engine.model.LlamaModel;
import io.lorafleet.engine.model.WeightPrecision;
import io.lorafleet.engine.testmodels.TestModelGenerator;
import io.lorafleet.engine.testmodels.TestModelSpec;
import io.lorafleet.engine.train.LoraTrainer;
import io.lorafleet.engine.train.LoraTrainingOptions;
import io.lorafleet.engine.train.LossSum;
import io.lorafleet.engine.train.TrainingSequence;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 17 item 4, the part that is done: the trainer's many-token GEMMs (forward projections and
 * head, input gradients, dA, dB, the LoRA shrink and dY·B) and AdamW run through the backend, so on
 * {@code host-device} they are the CUDA kernels ({@code matmul_kn}, {@code adamw_f32}). The loss
 * curve equals the CPU backend's within 1e-5 and so do the gradients (which GradientCheckTest holds
 * to PyTorch autograd on the CPU path).
 */
class DeviceTrainingTest {
  private static final int STEPS = 5;
  private static final double LOSS_BOUND = 1e-5;

  @TempDir static Path tmp;
  private static Device device;

  @BeforeAll
  static void open() {
    device = HostDevice.openFromProperty();
  }

  @AfterAll
  static void close() {
    device.close();
  }

  /** Runs the kernel case on {@code d} ({@link GpuParityTest}); returns the device it replaces. */
  static Device useDevice(Device d) {
    Device previous = device;
    device = d;
    return previous;
  }

  @Test
  void theLossCurveAndGradientsOnTheHostBuildEqualTheCpuBackends() throws Exception {
    TestModelSpec spec = TestModelSpec.qwen2TiedBias(); // QKV bias, tied head, multi-query
    Path dir = TestModelGenerator.write(spec, tmp.resolve("qwen2"));
    List<TrainingSequence> data = data(spec.vocabSize());
    Run cpu;
    try (CpuBackend backend = new CpuBackend(2)) {
      cpu = train(backend, dir, data);
    }
    CountingDevice counted = new CountingDevice(device);
    Run dev;
    try (DeviceBackend backend = new DeviceBackend(counted)) {
      dev = train(backend, dir, data);
    }
    for (int s = 0; s < STEPS; s++) {
      System.out.printf(
          "[device-training] step %d loss cpu %.9f device %.9f%n", s, cpu.loss[s], dev.loss[s]);
      assertThat(Math.abs(cpu.loss[s] - dev.loss[s])).as("step %d", s).isLessThan(LOSS_BOUND);
    }
    assertThat(cpu.loss[STEPS - 1]).isLessThan(cpu.loss[0]); // it trains
    double worst = 0;
    for (Map.Entry<String, float[]> e : cpu.gradients.entrySet()) {
      double err = Parity.relativeError(dev.gradients.get(e.getKey()), e.getValue());
      worst = Math.max(worst, err);
      assertThat(err).as(e.getKey()).isLessThan(1e-5);
    }
    System.out.printf(
        "[device-training] %d gradient tensors, worst rel err %.3e; launches %s%n",
        cpu.gradients.size(), worst, counted.launchesByKernel);
    // The LoRA matrices change every step: they must not pile up in the backend's identity caches
    // (before, every step's fresh A and Bᵀ stayed resident on the device until close).
    assertThat(dev.resident)
        .as("resident buffers after each step")
        .containsOnly(dev.resident.get(0));
    // The heavy math went through the kernels: GEMMs every step, one AdamW per tensor and step.
    assertThat(counted.launchesByKernel.getOrDefault("matmul_kn_f32", 0)).isGreaterThan(STEPS * 10);
    assertThat(counted.launchesByKernel.getOrDefault("adamw_f32", 0))
        .isEqualTo(STEPS * cpu.gradients.size());
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void matmulKnMatchesTheCpuTrainingKernel(Precision p) {
    Random rnd = new Random(3);
    Kernels kernels = new Kernels(device);
    try (TrainingKernels cpu = new TrainingKernels(2)) {
      for (int[] s : new int[][] {{1, 1, 1}, {17, 33, 45}, {5, 70, 3}, {40, 16, 17}}) {
        int rows = s[0];
        int k = s[1];
        int n = s[2];
        float[] x = Parity.random(p, rnd, rows * k, 1f);
        float[] w = Parity.random(p, rnd, k * n, 1f);
        float[] bias = Parity.random(p, rnd, n, 1f);
        float[] ref = new float[rows * n];
        cpu.matmulKn(x, rows, Weights.f32(k, n, w), bias, ref);
        long px = Parity.upload(device, p, x);
        long pw = Parity.upload(device, p, w);
        long pb = Parity.upload(device, p, bias);
        long py = device.alloc((long) rows * n * p.bytes());
        kernels.matmulKn(p, px, pw, pb, py, rows, k, n);
        Parity.check(
            "matmul_kn " + rows + "x" + k + "x" + n,
            p,
            Parity.download(device, p, py, rows * n),
            ref);
        Parity.free(device, px, pw, pb, py);
      }
    }
  }

  /** {@code resident}: the device backend's resident buffers after each step (empty on the CPU). */
  private record Run(double[] loss, Map<String, float[]> gradients, List<Integer> resident) {}

  /** STEPS optimizer steps; the gradients are those of step 2 (B is zero before the first). */
  private static Run train(Backend backend, Path dir, List<TrainingSequence> data)
      throws Exception {
    LlamaModel model = LlamaModel.load(dir, WeightPrecision.AS_STORED, backend);
    LoraTrainingOptions options =
        new LoraTrainingOptions(
            4,
            8,
            false,
            0,
            Arrays.stream(LinearModule.values()).filter(LinearModule::inDecoderLayer).toList(),
            LoraTrainingOptions.Init.STANDARD,
            7,
            0.01,
            0.9,
            0.999,
            1e-8,
            1.0);
    double[] loss = new double[STEPS];
    Map<String, float[]> gradients = null;
    List<Integer> resident = new ArrayList<>();
    try (LoraTrainer t = LoraTrainer.create(model, options, 2)) {
      for (int s = 0; s < STEPS; s++) {
        LossSum l = t.accumulate(data, s);
        loss[s] = l.mean();
        if (s == 2) {
          gradients = t.gradients();
        }
        t.step(1e-2, l.targets());
        if (backend instanceof DeviceBackend d) {
          resident.add(d.residentBuffers());
        }
      }
    }
    return new Run(loss, gradients, resident);
  }

  private static List<TrainingSequence> data(int vocab) {
    SplittableRandom rnd = new SplittableRandom(4);
    List<TrainingSequence> out = new ArrayList<>();
    for (int len : new int[] {9, 14, 5}) {
      int[] tokens = rnd.ints(len, 0, vocab).toArray();
      boolean[] mask = new boolean[len];
      Arrays.fill(mask, 1, len, true);
      out.add(new TrainingSequence(tokens, mask));
    }
    return out;
  }
}
