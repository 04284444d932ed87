package io.lorafleet.server.scheduling;

/**
 * Why a request was refused or could not finish: the HTTP status, a machine-readable code, a
 * message, and for overload the seconds after which a retry makes sense (0 = none).
 */
public record RequestFailure(int status, String code, String message, int retryAfterSeconds) {
  public static RequestFailure overloaded(String message, int retryAfter) {
    return new RequestFailure(429, "overloaded", message, retryAfter);
  }

  public static RequestFailure unavailable(String code, String message, int retryAfter) {
    return new RequestFailure(503, code, message, retryAfter);
  }

  /** The client closed its connection; nobody reads the answer (nginx's 499). */
  public static RequestFailure clientClosed() {
    return new RequestFailure(499, "client_closed_request", "the client closed the connection", 0);
  }

  public static RequestFailure invalid(String code, String message) {
    return new RequestFailure(400, code, message, 0);
  }

  /** Thrown by {@link Scheduler#submit} when a request is not accepted. */
  public static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient RequestFailure failure;

    public Rejected(RequestFailure failure) {
      super(failure.message());
      this.failure = failure;
    }

    public RequestFailure failure() {
      return failure;
    }
  }
}
