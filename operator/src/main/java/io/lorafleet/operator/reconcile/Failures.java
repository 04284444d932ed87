package io.lorafleet.operator.reconcile;

/** Finding the meaningful exception in what JOSDK hands to updateErrorStatus (it wraps them). */
public final class Failures {
  private Failures() {}

  /** The first exception of the given type in the cause chain, else the outermost one. */
  public static Throwable rootOf(Throwable thrown, Class<? extends Throwable> type) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return t;
      }
    }
    return thrown;
  }

  /** A message for a condition: the exception's own, or its type when it has none. */
  public static String message(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
