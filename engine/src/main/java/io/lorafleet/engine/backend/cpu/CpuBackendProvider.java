package io.lorafleet.engine.backend.cpu;

import io.lorafleet.engine.backend.Backend;
import io.lorafleet.engine.backend.BackendOptions;
import io.lorafleet.engine.backend.BackendProvider;
import java.util.Optional;

/** The pure-Java backend: always available, the last choice of {@code auto}. */
public final class CpuBackendProvider implements BackendProvider {
  public static final String NAME = "cpu";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int autoPriority() {
    return 0;
  }

  @Override
  public Optional<String> unavailableReason() {
    return Optional.empty();
  }

  @Override
  public Backend open(BackendOptions options) {
    return options.threads() > 0 ? new CpuBackend(options.threads()) : new CpuBackend();
  }
}
