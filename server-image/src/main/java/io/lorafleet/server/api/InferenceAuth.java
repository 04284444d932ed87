package io.lorafleet.server.api;

import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.config.TokenFile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Optional bearer-token check of the inference API ({@code /v1/completions}, {@code
 * /v1/chat/completions}, {@code /v1/models}), on when {@code --inference-token-file} is set (see
 * {@link TokenFile}: read at every request, constant-time comparison, never logged). A refusal is
 * 401 in the OpenAI error shape with code {@code invalid_api_key}, as the OpenAI API answers a bad
 * key.
 */
@ApplicationScoped
public class InferenceAuth {
  private final TokenFile token;

  InferenceAuth(ServerConfig config) {
    this.token = new TokenFile("--inference-token-file", config.inferenceTokenFile());
  }

  /** Null (continue) when authentication is off, the path is not inference, or the token fits. */
  @ServerRequestFilter
  public Response filter(ContainerRequestContext request) {
    if (!token.configured()
        || !isInference(request.getUriInfo().getPath())
        || token.accepts(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
      return null;
    }
    ApiException e =
        new ApiException(
            401,
            "invalid_request_error",
            "invalid_api_key",
            null,
            "Incorrect or missing API key: send Authorization: Bearer <token>",
            0);
    return Response.status(401)
        .type(MediaType.APPLICATION_JSON)
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
        .entity(e.body())
        .build();
  }

  static boolean isInference(String path) {
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return p.equals("/v1/completions")
        || p.equals("/v1/chat/completions")
        || p.equals("/v1/models")
        || p.startsWith("/v1/models/");
  }
}
