package io.lorafleet.kernels.gpu;

import io.lorafleet.kernels.Device;
import io.lorafleet.kernels.HostDevice;
import io.lorafleet.kernels.HostLibrary;
import io.lorafleet.kernels.JCudaDevice;

/**
 * The device an acceptance step runs on: {@code cuda} (GPU 0 through JCuda) or {@code host-device}
 * (the CUDA sources compiled for the host, packaged in the kernels jar): the dry run.
 */
public final class AcceptanceDevices {
  private AcceptanceDevices() {}

  public static Device open(String name) {
    return switch (name) {
      case "cuda" -> JCudaDevice.open(0);
      case "host-device" -> HostDevice.open(HostLibrary.path());
      default ->
          throw new IllegalArgumentException(
              "unknown device '" + name + "': expected cuda or host-device");
    };
  }
}
