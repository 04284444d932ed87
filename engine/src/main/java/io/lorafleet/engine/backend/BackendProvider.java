package io.lorafleet.engine.backend;

import java.util.Optional;

/**
 * One way to run the engine's operations, found with {@link java.util.ServiceLoader} so that the
 * engine never names a concrete backend: {@code cpu} lives in the engine, {@code cuda} and {@code
 * host-device} in the kernels module. Applications choose through {@link Backends#select}.
 */
public interface BackendProvider {

  /** The name users pass to {@code --backend} ({@code cpu}, {@code cuda}, {@code host-device}). */
  String name();

  /**
   * Where {@code auto} tries this provider: higher first; a negative value means {@code auto} never
   * picks it (e.g. the host build of the CUDA kernels, which exists for tests).
   */
  int autoPriority();

  /** Why this provider cannot run here (no device, no native library), or empty when it can. */
  Optional<String> unavailableReason();

  /** Opens a backend; only called when {@link #unavailableReason()} is empty. */
  Backend open(BackendOptions options);
}
