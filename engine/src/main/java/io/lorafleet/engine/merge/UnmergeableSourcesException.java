package io.lorafleet.engine.merge;

/**
 * Sources that cannot be merged as asked: their shapes for a module disagree, the output rank
 * exceeds a module's, or a source holds non-finite values. Bad input, not a bug.
 */
public final class UnmergeableSourcesException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  UnmergeableSourcesException(String message) {
    super(message);
  }
}
