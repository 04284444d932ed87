package io.lorafleet.kernels;

import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.BackendOptions;
import io.lorafleet.engine.backend.BackendProvider;
import java.util.Optional;

/**
 * The CUDA kernels compiled for the host ({@link HostDevice}), driven exactly as on a GPU: for
 * running the server's and trainer's tests through the device code path on machines without a GPU.
 * Slow; {@code auto} never picks it.
 */
public final class HostDeviceBackendProvider implements BackendProvider {
  public static final String NAME = "host-device";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int autoPriority() {
    return -1;
  }

  @Override
  public Optional<String> unavailableReason() {
    return HostLibrary.unavailableReason();
  }

  @Override
  public Backend open(BackendOptions options) {
    return new DeviceBackend(HostDevice.open(HostLibrary.path()), true);
  }
}
