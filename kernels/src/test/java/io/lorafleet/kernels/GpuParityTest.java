package io.lorafleet.kernels;

import io.lorafleet.kernels.gpu.AcceptanceDevices;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kernel's parity case, and the mixed-adapter forward pass, on a real GPU against the CPU
 * backend ({@code -Dlorafleet.gpu=true} on a machine with a device, its driver and the packaged
 * fatbin), with the host-build tests' bounds. The cases are the host-build tests' own: their device
 * is swapped for the GPU ({@code useDevice}). NEVER RUN ON A GPU YET: no machine this was written
 * on has one. {@code -Dlorafleet.gpu.device=host-device} runs the same cases on the host build: the
 * dry run of {@code kernels/gpu/acceptance.sh}.
 */
@EnabledIfSystemProperty(named = "lorafleet.gpu", matches = "true")
class GpuParityTest {
  @TempDir static Path tmp;

  private static Device gpu;
  private static Device[] replaced;

  @BeforeAll
  static void open() {
    gpu = AcceptanceDevices.open(System.getProperty("lorafleet.gpu.device", "cuda"));
    System.out.println("[gpu-parity] device: " + gpu.name());
    LoraKernelParityTest.open();
    LayerKernelParityTest.open();
    TrainingKernelTest.open();
    DeviceBackendForwardTest.tmp = tmp;
    DeviceBackendForwardTest.open();
    DeviceTrainingTest.open();
    replaced =
        new Device[] {
          LoraKernelParityTest.useDevice(gpu),
          LayerKernelParityTest.useDevice(gpu),
          TrainingKernelTest.useDevice(gpu),
          DeviceBackendForwardTest.useDevice(gpu),
          DeviceTrainingTest.useDevice(gpu)
        };
  }

  @AfterAll
  static void close() {
    if (replaced == null) {
      return; // open() failed before it swapped anything; its exception is the report
    }
    LoraKernelParityTest.useDevice(replaced[0]);
    LayerKernelParityTest.useDevice(replaced[1]);
    TrainingKernelTest.useDevice(replaced[2]);
    DeviceBackendForwardTest.useDevice(replaced[3]);
    DeviceTrainingTest.useDevice(replaced[4]);
    LoraKernelParityTest.close();
    LayerKernelParityTest.close();
    TrainingKernelTest.close();
    DeviceBackendForwardTest.close();
    DeviceTrainingTest.close();
    gpu.close();
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void bgmv(Precision p) {
    new LoraKernelParityTest().bgmvMatchesTheCpuBackend(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void sgmv(Precision p) {
    new LoraKernelParityTest().sgmvMatchesTheCpuBackend(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void rmsNorm(Precision p) {
    new LayerKernelParityTest().rmsNorm(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void rope(Precision p) {
    new LayerKernelParityTest().rope(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void siluMulAndAdd(Precision p) {
    new LayerKernelParityTest().siluMulAndAdd(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void embedding(Precision p) {
    new LayerKernelParityTest().embedding(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void pagedAttentionDecode(Precision p) {
    new LayerKernelParityTest().pagedAttentionDecode(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void flashDecodingPartitions(Precision p) {
    new LayerKernelParityTest().flashDecodingPartitions(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void loraMerge(Precision p) {
    new LayerKernelParityTest().loraMergeAndUnmerge(p);
  }

  @Test
  void matmulWithBf16Weights() {
    new DeviceBackendForwardTest().bf16WeightsAreWidenedExactly();
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void matmulKn(Precision p) {
    new DeviceTrainingTest().matmulKnMatchesTheCpuTrainingKernel(p);
  }

  @Test
  void philox() {
    new TrainingKernelTest().philoxMatchesTheKnownAnswerVectorsInJavaAndOnTheDevice();
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void dare(Precision p) {
    new TrainingKernelTest().dareDropsTheSameElementsAsTheJavaReference(p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void crossEntropy(Precision p) {
    new TrainingKernelTest().crossEntropyForwardAndBackward(p);
  }

  @Test
  void adamw() {
    new TrainingKernelTest().adamwMatchesPyTorchsFormula();
  }

  @Test
  void longContextAttention() {
    new DeviceBackendForwardTest().longContextAttentionTakesTheFlashDecodingPath();
  }

  @ParameterizedTest
  @ValueSource(strings = {"llamaGqa", "qwen2TiedBias", "llamaGqaBf16"})
  void forwardPass(String family) throws Exception {
    new DeviceBackendForwardTest().forwardPassOn(gpu, family);
  }
}
