package io.lorafleet.engine.merge;

/**
 * Merge settings that cannot run: an unknown method, or settings that do not go together (a method
 * without its density or output rank).
 */
public final class InvalidMergeSpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InvalidMergeSpecException(String message) {
    super(message);
  }
}
