package io.lorafleet.artifacts.hf;

import io.lorafleet.artifacts.ArtifactFormatException;

/** A {@code config.json} is malformed or describes a model we do not support. */
public final class ModelConfigException extends ArtifactFormatException {
  private static final long serialVersionUID = 1L;

  public ModelConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
