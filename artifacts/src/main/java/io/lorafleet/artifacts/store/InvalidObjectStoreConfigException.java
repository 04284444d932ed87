package io.lorafleet.artifacts.store;

/**
 * An {@link ObjectStoreConfig} that cannot work (an endpoint that is not http:// or https://, a
 * part size below S3's minimum, a missing endpoint or half a key pair); the message says what is
 * wrong. A user's configuration, not a bug: callers turn it into their own "not configured" error.
 */
public final class InvalidObjectStoreConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InvalidObjectStoreConfigException(String message) {
    super(message);
  }
}
