package io.lorafleet.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves in the OpenAI error shape. */
public class ErrorMappers {
  private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

  @ServerExceptionMapper
  public Response api(ApiException e) {
    Response.ResponseBuilder r =
        Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(e.body());
    if (e.retryAfterSeconds() > 0) {
      r.header("Retry-After", e.retryAfterSeconds());
    }
    return r.build();
  }

  @ServerExceptionMapper
  public Response json(JsonProcessingException e) {
    return api(
        ApiException.invalid(null, "request body is not valid JSON: " + e.getOriginalMessage()));
  }

  /**
   * A body that is JSON but not the request's shape (a list for an object, a fraction for an
   * integer): 400 naming the field, instead of Quarkus' own body for these.
   */
  @ServerExceptionMapper
  public Response mismatch(MismatchedInputException e) {
    String param =
        e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
    return api(
        ApiException.invalid(
            param, "request body does not match the API: " + e.getOriginalMessage()));
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    String type = status >= 500 ? "server_error" : "invalid_request_error";
    String message =
        e.getMessage() == null || e.getMessage().isBlank() ? "HTTP " + status : e.getMessage();
    return api(new ApiException(status, type, httpCode(status), null, message, 0));
  }

  /** A machine-readable code for a refusal raised by the HTTP layer rather than by our code. */
  static String httpCode(int status) {
    return switch (status) {
      case 400 -> "invalid_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 406 -> "not_acceptable";
      case 413 -> "request_too_large";
      case 415 -> "unsupported_media_type";
      default -> "http_" + status;
    };
  }

  @ServerExceptionMapper
  public Response other(RuntimeException e) {
    LOG.error("request failed", e);
    return api(new ApiException(500, "server_error", "internal_error", null, e.toString(), 0));
  }
}
