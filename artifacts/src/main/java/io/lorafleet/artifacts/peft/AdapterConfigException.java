package io.lorafleet.artifacts.peft;

import io.lorafleet.artifacts.ArtifactFormatException;

/**
 * An {@code adapter_config.json} or adapter weights file is malformed or uses a refused feature.
 */
public final class AdapterConfigException extends ArtifactFormatException {
  private static final long serialVersionUID = 1L;

  public AdapterConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  public AdapterConfigException(String message) {
    super(message);
  }
}
