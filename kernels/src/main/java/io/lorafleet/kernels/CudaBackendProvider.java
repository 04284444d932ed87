package io.lorafleet.kernels;

import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.BackendOptions;
import io.lorafleet.engine.backend.BackendProvider;
import java.util.Optional;

/**
 * The kernels on GPU 0 through JCuda: {@code auto}'s first choice whenever {@link
 * JCudaDevice#unavailableReason()} finds a usable device, the packaged fatbin and the natives.
 */
public final class CudaBackendProvider implements BackendProvider {
  public static final String NAME = "cuda";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int autoPriority() {
    return 100;
  }

  @Override
  public Optional<String> unavailableReason() {
    return JCudaDevice.unavailableReason();
  }

  @Override
  public Backend open(BackendOptions options) {
    return new DeviceBackend(JCudaDevice.open(0), true);
  }
}
