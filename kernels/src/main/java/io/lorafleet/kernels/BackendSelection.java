package io.lorafleet.kernels;

import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.cpu.CpuBackend;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Chooses the backend at start-up: {@link DeviceBackend} on GPU 0 when {@link
 * JCudaDevice#unavailableReason()} finds nothing wrong, else the CPU backend; either way it says
 * which and why, in one log line.
 */
public final class BackendSelection {
  private static final System.Logger LOG = System.getLogger(BackendSelection.class.getName());

  /** The chosen backend and the reason, as logged. */
  public record Choice(Backend backend, String reason) {}

  private BackendSelection() {}

  /** GPU when usable, else {@code new CpuBackend()}. */
  public static Choice choose() {
    return choose(JCudaDevice::unavailableReason, CpuBackend::new);
  }

  static Choice choose(Supplier<Optional<String>> probe, Supplier<Backend> cpu) {
    Optional<String> why = probe.get();
    Choice c;
    if (why.isPresent()) {
      c = new Choice(cpu.get(), "no usable CUDA device (" + why.get() + ")");
    } else {
      JCudaDevice gpu = JCudaDevice.open(0);
      c = new Choice(new DeviceBackend(gpu), "CUDA device found: " + gpu.name());
    }
    LOG.log(System.Logger.Level.INFO, "backend {0}: {1}", c.backend().name(), c.reason());
    return c;
  }
}
