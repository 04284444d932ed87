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
    if (!isInference(request.getUriInfo().getPath())
        || admits(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
      return null;
    }
    return Response.status(401)
        .type(MediaType.APPLICATION_JSON)
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
        .entity(refusal().body())
        .build();
  }

  /** True when authentication is off or {@code authorization} carries the inference token. */
  public boolean admits(String authorization) {
    return !token.configured() || token.accepts(authorization);
  }

  /** What a caller without the inference token gets, as the OpenAI API answers a bad key. */
  public static ApiException refusal() {
    return new ApiException(
        401,
        "invalid_request_error",
        "invalid_api_key",
        null,
        "Incorrect or missing API key: send Authorization: Bearer <token>",
        0);
  }

  static boolean isInference(String path) {
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return p.equals("/v1/completions")
        || p.equals("/v1/chat/completions")
        || p.equals("/v1/models")
        || p.startsWith("/v1/models/");
  }
}
