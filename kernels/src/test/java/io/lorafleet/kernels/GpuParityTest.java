package io.lorafleet.kernels;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parity cases on a real GPU ({@code -Dlorafleet.gpu=true} on a machine with a device, its
 * driver and the packaged fatbin). NEVER RUN YET: no machine this was written on has a GPU.
 */
@EnabledIfSystemProperty(named = "lorafleet.gpu", matches = "true")
class GpuParityTest {
  @TempDir static Path tmp;

  private static JCudaDevice gpu;

  @BeforeAll
  static void open() {
    gpu = JCudaDevice.open(0);
    LoraKernelParityTest.open();
    LayerKernelParityTest.open();
  }

  @AfterAll
  static void close() {
    gpu.close();
    LoraKernelParityTest.close();
    LayerKernelParityTest.close();
  }

  @Test
  void bgmvOnTheGpuMatchesTheCpuBackend() {
    for (Precision p : Precision.values()) {
      for (int i = 0; i < LoraKernelParityTest.CASES.length; i++) {
        LoraKernelParityTest.runBgmv(gpu, p, LoraKernelParityTest.CASES[i], 100 + i);
      }
    }
  }

  @Test
  void rmsNormOnTheGpuMatchesTheCpuBackend() {
    for (Precision p : Precision.values()) {
      LayerKernelParityTest.checkRmsNorm(gpu, p, 5, 577, true, 2f, 2);
      LayerKernelParityTest.checkRmsNorm(gpu, p, 4, 576, true, 3e-3f, 4);
    }
  }

  @Test
  void aForwardPassOnTheGpuMatchesTheCpuBackend() throws Exception {
    DeviceBackendForwardTest.tmp = tmp;
    DeviceBackendForwardTest.open();
    try {
      new DeviceBackendForwardTest().forwardPassOn(gpu, "llamaGqa");
    } finally {
      DeviceBackendForwardTest.close();
    }
  }
}
