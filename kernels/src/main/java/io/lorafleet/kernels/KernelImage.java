package io.lorafleet.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The device image of the kernels: a fatbin (SASS for sm_80 and sm_90, PTX compute_90) packaged as
 * a resource when the build found {@code nvcc}. Without it no CUDA backend can run, and {@link
 * #unavailableReason()} says why.
 */
public final class KernelImage {
  public static final String FATBIN_RESOURCE = "/io/lorafleet/kernels/lorafleet.fatbin";

  private KernelImage() {}

  /** The fatbin bytes (for {@code cuModuleLoadData}), or empty when this build has none. */
  public static Optional<byte[]> fatbin() {
    try (InputStream in = KernelImage.class.getResourceAsStream(FATBIN_RESOURCE)) {
      return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + FATBIN_RESOURCE, e);
    }
  }

  /** Why the CUDA kernels cannot run from this build, or empty when the fatbin is packaged. */
  public static Optional<String> unavailableReason() {
    if (KernelImage.class.getResource(FATBIN_RESOURCE) == null) {
      return Optional.of(
          "this build has no CUDA kernels ("
              + FATBIN_RESOURCE
              + " missing: nvcc was not found when it was built)");
    }
    return Optional.empty();
  }
}
