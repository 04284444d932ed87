package io.lorafleet.trainer.merge;

/**
 * A merge.json that cannot run as written: an unknown schema, a missing field, or a source that is
 * not the digest it is pinned to. Reported as InvalidMerge; retrying cannot help.
 */
public final class InvalidMergeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InvalidMergeException(String message) {
    super(message);
  }
}
