package io.lorafleet.artifacts;

/**
 * A file that Lorafleet reads is malformed or uses a feature we refuse. Unchecked so that parsers
 * can be used from streams; every parser in this module throws only subclasses of this type on bad
 * input (the fuzz tests enforce it).
 */
public class ArtifactFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ArtifactFormatException(String message) {
    super(message);
  }

  public ArtifactFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
