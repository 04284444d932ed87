package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.engine.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

class BackendSelectionTest {

  @Test
  @DisabledIfSystemProperty(named = "lorafleet.gpu", matches = "true")
  void withoutAGpuTheCpuBackendIsChosenAndTheReasonNamesTheProbeResult() {
    BackendSelection.Choice c = BackendSelection.choose();
    try {
      assertThat(c.backend()).isInstanceOf(CpuBackend.class);
      assertThat(c.reason())
          .startsWith("no usable CUDA device (")
          .contains(JCudaDevice.unavailableReason().orElseThrow());
    } finally {
      c.backend().close();
    }
  }
}
