package io.lorafleet.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/** What runs everywhere: the probe never throws and, without a GPU, explains itself. */
class JCudaDeviceTest {

  @Test
  void probeAnswersWithoutThrowing() {
    Optional<String> why = JCudaDevice.unavailableReason();
    System.out.println("[jcuda] " + why.map(r -> "unavailable: " + r).orElse("a device is usable"));
    assertThat(why).isNotNull();
  }

  @Test
  @DisabledIfSystemProperty(named = "lorafleet.gpu", matches = "true")
  void withoutTheGpuFlagThereIsNoDeviceHereAndOpeningSaysWhy() {
    // CI and development machines have no NVIDIA driver: the runtime API answers
    // cudaErrorInsufficientDriver (35), or the build had no nvcc and packaged no fatbin.
    Optional<String> why = JCudaDevice.unavailableReason();
    assertThat(why).isPresent();
    assertThatThrownBy(() -> JCudaDevice.open(0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(why.get());
  }

  @Test
  void theFatbinIsPackagedExactlyWhenTheBuildSaysSo() {
    assertThat(KernelImage.fatbin().isPresent())
        .isEqualTo(KernelImage.unavailableReason().isEmpty());
    KernelImage.fatbin()
        .ifPresent(
            b ->
                assertThat(new String(b, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1))
                    .as("fatbin magic")
                    .isNotEmpty());
  }
}
