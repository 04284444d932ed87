package io.lorafleet.server.api;

import io.lorafleet.server.scheduling.RequestFailure;

/** An error answered in the OpenAI shape, with its HTTP status and an optional Retry-After. */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String code;
  private final String param;
  private final int retryAfterSeconds;

  public ApiException(
      int status, String type, String code, String param, String message, int retryAfterSeconds) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiException invalid(String param, String message) {
    return new ApiException(400, "invalid_request_error", "invalid_parameter", param, message, 0);
  }

  public static ApiException modelNotFound(String model) {
    return new ApiException(
        404,
        "invalid_request_error",
        "model_not_found",
        "model",
        "The model '" + model + "' does not exist or is not loaded",
        0);
  }

  public static ApiException of(RequestFailure f) {
    String type =
        switch (f.status()) {
          case 400 -> "invalid_request_error";
          case 429 -> "rate_limit_error";
          case 404 -> "invalid_request_error";
          default -> "server_error";
        };
    return new ApiException(f.status(), type, f.code(), null, f.message(), f.retryAfterSeconds());
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }

  public String param() {
    return param;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public ErrorBody body() {
    return new ErrorBody(new ErrorBody.Error(getMessage(), type, param, code));
  }
}
