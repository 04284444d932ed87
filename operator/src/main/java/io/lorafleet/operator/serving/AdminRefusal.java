package io.lorafleet.operator.serving;

/**
 * The server refused a load for a reason retrying cannot fix (HTTP 400 with a typed code such as
 * RankTooLarge or ShapeMismatch).
 */
public final class AdminRefusal extends Exception {
  private static final long serialVersionUID = 1L;
  private final String code;

  public AdminRefusal(String code, String message) {
    super(message);
    this.code = code;
  }

  /** The server's typed reason, e.g. RankTooLarge; "LoadRefused" when it gave none. */
  public String code() {
    return code;
  }
}
