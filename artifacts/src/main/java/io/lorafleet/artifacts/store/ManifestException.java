package io.lorafleet.artifacts.store;

import io.lorafleet.artifacts.ArtifactFormatException;

/** A {@code manifest.json} is malformed or lists an unsafe path. */
public final class ManifestException extends ArtifactFormatException {
  private static final long serialVersionUID = 1L;

  public ManifestException(String message, Throwable cause) {
    super(message, cause);
  }
}
