package io.lorafleet.artifacts.safetensors;

import io.lorafleet.artifacts.ArtifactFormatException;

/** A safetensors file (or sharded index) violates the format; the message names the tensor. */
public final class SafetensorsFormatException extends ArtifactFormatException {
  private static final long serialVersionUID = 1L;

  public SafetensorsFormatException(String message) {
    super(message);
  }

  public SafetensorsFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
