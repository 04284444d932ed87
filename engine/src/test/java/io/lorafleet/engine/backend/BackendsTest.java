package io.lorafleet.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lorafleet.engine.backend.cpu.CpuBackend;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackendsTest {

  /** A provider that opens a one-thread CPU backend under another name. */
  private record Fake(String name, int autoPriority, Optional<String> unavailableReason)
      implements BackendProvider {
    @Override
    public Backend open(BackendOptions options) {
      return new CpuBackend(1);
    }
  }

  private static final Fake GPU = new Fake("gpu", 100, Optional.of("no driver"));
  private static final Fake CPU = new Fake("cpu", 0, Optional.empty());
  private static final Fake EMULATOR = new Fake("emulator", -1, Optional.empty());
  private static final List<BackendProvider> ALL = List.of(CPU, EMULATOR, GPU);

  @Test
  void autoSkipsAnUnavailableProviderAndSaysWhy() {
    BackendChoice c = Backends.select("auto", BackendOptions.defaults(), ALL);
    c.backend().close();
    assertThat(c.provider()).isEqualTo("cpu");
    assertThat(c.requested()).isEqualTo("auto");
    assertThat(c.reason()).isEqualTo("auto: gpu unavailable (no driver)");
  }

  @Test
  void autoTakesTheHighestAvailablePriorityAndNeverANegativeOne() {
    Fake gpu = new Fake("gpu", 100, Optional.empty());
    BackendChoice c = Backends.select(null, BackendOptions.defaults(), List.of(EMULATOR, CPU, gpu));
    c.backend().close();
    assertThat(c.provider()).isEqualTo("gpu");
    BackendChoice only = Backends.select("auto", BackendOptions.defaults(), List.of(EMULATOR, CPU));
    only.backend().close();
    assertThat(only.provider()).isEqualTo("cpu");
  }

  @Test
  void aNamedProviderRunsEvenWhenAutoWouldNotPickIt() {
    BackendChoice c = Backends.select("emulator", BackendOptions.defaults(), ALL);
    c.backend().close();
    assertThat(c.provider()).isEqualTo("emulator");
    assertThat(c.reason()).isEqualTo("requested by name");
  }

  @Test
  void aNamedProviderThatCannotRunFailsWithItsReason() {
    assertThatThrownBy(() -> Backends.select("gpu", BackendOptions.defaults(), ALL))
        .isInstanceOf(BackendUnavailableException.class)
        .hasMessage("backend gpu was requested but cannot run here: no driver");
  }

  @Test
  void anUnknownNameListsTheKnownOnes() {
    assertThatThrownBy(() -> Backends.select("tpu", BackendOptions.defaults(), ALL))
        .isInstanceOf(BackendUnavailableException.class)
        .hasMessage("unknown backend 'tpu': expected auto or one of cpu, emulator, gpu");
  }

  @Test
  void autoWithNothingAvailableFailsWithEveryReason() {
    assertThatThrownBy(() -> Backends.select("auto", BackendOptions.defaults(), List.of(GPU)))
        .isInstanceOf(BackendUnavailableException.class)
        .hasMessage("no backend can run here: gpu unavailable (no driver)");
  }

  @Test
  void theServiceLoaderFindsTheCpuProvider() {
    assertThat(Backends.providers()).extracting(BackendProvider::name).contains("cpu");
    BackendChoice c = Backends.select("cpu", new BackendOptions(2), Backends.providers());
    try {
      assertThat(c.backend()).isInstanceOf(CpuBackend.class);
      assertThat(c.backend().name()).startsWith("cpu(2 threads");
    } finally {
      c.backend().close();
    }
  }

  @Test
  void theOverridePropertyReplacesAutoButNotANamedBackend() {
    String saved = System.setProperty(Backends.OVERRIDE_PROPERTY, "cpu");
    try {
      BackendChoice c = Backends.select("auto", new BackendOptions(1));
      c.backend().close();
      assertThat(c.provider()).isEqualTo("cpu");
      assertThat(c.reason()).isEqualTo("auto replaced by -Dlorafleet.backend=cpu");
      System.setProperty(Backends.OVERRIDE_PROPERTY, "nonesuch");
      BackendChoice named = Backends.select("cpu", new BackendOptions(1));
      named.backend().close();
      assertThat(named.reason()).isEqualTo("requested by name");
      assertThatThrownBy(() -> Backends.select("auto", BackendOptions.defaults()))
          .isInstanceOf(BackendUnavailableException.class)
          .hasMessageStartingWith("unknown backend 'nonesuch'");
    } finally {
      if (saved == null) {
        System.clearProperty(Backends.OVERRIDE_PROPERTY);
      } else {
        System.setProperty(Backends.OVERRIDE_PROPERTY, saved);
      }
    }
  }
}
