package io.lorafleet.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
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

  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    String type = status >= 500 ? "server_error" : "invalid_request_error";
    return api(new ApiException(status, type, null, null, e.getMessage(), 0));
  }

  @ServerExceptionMapper
  public Response other(RuntimeException e) {
    LOG.error("request failed", e);
    return api(new ApiException(500, "server_error", "internal_error", null, e.toString(), 0));
  }
}
