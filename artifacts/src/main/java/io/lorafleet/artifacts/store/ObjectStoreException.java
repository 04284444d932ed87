package io.lorafleet.artifacts.store;

/** A failed object-store operation, classified so callers can decide between retry and report. */
public class ObjectStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong; only {@link #TRANSIENT} is worth retrying. */
  public enum Kind {
    NOT_FOUND,
    ACCESS_DENIED,
    DIGEST_MISMATCH,
    INVALID,
    TRANSIENT,
    PERMANENT
  }

  private final Kind kind;

  public ObjectStoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public boolean isTransient() {
    return kind == Kind.TRANSIENT;
  }
}
