package io.lorafleet.artifacts.store;

/** A string that is not a valid {@code s3://bucket/key} URI; the message says what is wrong. */
public final class InvalidS3UriException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InvalidS3UriException(String message) {
    super(message);
  }
}
