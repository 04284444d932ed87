package io.lorafleet.operator.loraadapter.rollout;

/**
 * A duration in a spec that is not one ({@link GoDurations}); the message names the text and, from
 * {@link CanarySteps#pause}, the field. A user's spec, not a bug: the adapter is refused with it.
 */
public final class InvalidDurationException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InvalidDurationException(String message) {
    super(message);
  }
}
