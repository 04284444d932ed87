package io.lorafleet.server.residency;

/**
 * A refused or failed adapter load with the typed reason the operator puts into its conditions
 * ({@code RankTooLarge}, {@code DigestMismatch}, {@code ArtifactNotFound}, ...).
 */
public final class AdapterLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final int status;

  public AdapterLoadException(String code, int status, String message) {
    super(message);
    this.code = code;
    this.status = status;
  }

  /** A refusal: the artifact is not loadable here and retrying will not help (HTTP 400). */
  public static AdapterLoadException refused(String code, String message) {
    return new AdapterLoadException(code, 400, message);
  }

  public String code() {
    return code;
  }

  public int status() {
    return status;
  }
}
