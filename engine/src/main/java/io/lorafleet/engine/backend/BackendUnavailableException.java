package io.lorafleet.engine.backend;

/** A backend was asked for by name but is unknown, or cannot run on this machine. */
public final class BackendUnavailableException extends RuntimeException {
  public BackendUnavailableException(String message) {
    super(message);
  }
}
