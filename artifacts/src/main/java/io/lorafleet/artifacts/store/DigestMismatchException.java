package io.lorafleet.artifacts.store;

/** Downloaded bytes do not hash to the digest the manifest (or the version key) promises. */
public final class DigestMismatchException extends ObjectStoreException {
  private static final long serialVersionUID = 1L;

  public DigestMismatchException(String message) {
    super(Kind.DIGEST_MISMATCH, message, null);
  }
}
