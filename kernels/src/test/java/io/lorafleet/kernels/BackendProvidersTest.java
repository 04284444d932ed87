package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.engine.backend.BackendChoice;
import io.lorafleet.engine.backend.BackendOptions;
import io.lorafleet.engine.backend.BackendProvider;
import io.lorafleet.engine.backend.BackendUnavailableException;
import io.lorafleet.engine.backend.Backends;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/** The kernels' providers as the server and trainer find them: through the engine's seam. */
class BackendProvidersTest {

  @Test
  void theServiceLoaderFindsCpuCudaAndHostDevice() {
    assertThat(Backends.providers())
        .extracting(BackendProvider::name)
        .contains("cpu", "cuda", "host-device");
  }

  @Test
  @DisabledIfSystemProperty(named = "lorafleet.gpu", matches = "true")
  void withoutAGpuAutoChoosesTheCpuAndNamesTheProbeResult() {
    BackendChoice c = Backends.select("auto", BackendOptions.defaults());
    c.backend().close();
    assertThat(c.provider()).isEqualTo("cpu");
    assertThat(c.reason())
        .isEqualTo(
            "auto: cuda unavailable (" + JCudaDevice.unavailableReason().orElseThrow() + ")");
  }

  @Test
  @DisabledIfSystemProperty(named = "lorafleet.gpu", matches = "true")
  void cudaByNameFailsWithTheProbeResult() {
    assertThatThrownBy(() -> Backends.select("cuda", BackendOptions.defaults()))
        .isInstanceOf(BackendUnavailableException.class)
        .hasMessageStartingWith("backend cuda was requested but cannot run here: ");
  }

  @Test
  void hostDeviceByNameRunsTheHostBuildThroughDeviceBackend() {
    BackendChoice c = Backends.select("host-device", BackendOptions.defaults());
    try {
      assertThat(c.backend()).isInstanceOf(DeviceBackend.class);
      assertThat(c.backend().name()).contains("host build");
      float[] y = new float[2];
      c.backend().add(y, new float[] {1.5f, -2f}, 2);
      assertThat(y).containsExactly(1.5f, -2f);
    } finally {
      c.backend().close();
    }
  }

  @Test
  void withoutTheTestPropertyThePackagedLibraryIsExtractedAndLoads() {
    String saved = System.clearProperty(HostDevice.LIBRARY_PROPERTY);
    try {
      assertThat(HostLibrary.unavailableReason()).isEmpty();
      Path lib = HostLibrary.path();
      assertThat(lib).isRegularFile().isNotEqualTo(Path.of(saved));
      try (HostDevice d = HostDevice.open(lib)) {
        assertThat(d.kernels()).contains("add_f32", "bgmv_shrink_f32");
      }
    } finally {
      System.setProperty(HostDevice.LIBRARY_PROPERTY, saved);
    }
  }
}
