package io.lorafleet.server.admin;

import io.lorafleet.server.api.ApiException;
import io.lorafleet.server.config.ServerConfig;
import io.lorafleet.server.config.TokenFile;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Bearer-token check of the admin API against {@code --admin-token-file} (see {@link TokenFile}:
 * read at every check, constant-time comparison, never logged). Without a token file every admin
 * call is refused.
 */
@ApplicationScoped
public class AdminAuth {
  private final TokenFile token;

  AdminAuth(ServerConfig config) {
    this.token = new TokenFile("--admin-token-file", config.adminTokenFile());
  }

  /**
   * Whether {@code authorization} carries the admin token; false, without a warning, when the pod
   * has none (for a caller that may also present another token).
   */
  public boolean accepts(String authorization) {
    return token.configured() && token.accepts(authorization);
  }

  /** Throws 401 unless {@code authorization} is {@code Bearer <token>}. */
  public void check(String authorization) {
    if (!token.accepts(authorization)) {
      throw new ApiException(
          401,
          "authentication_error",
          "Unauthorized",
          null,
          "a valid admin bearer token is required",
          0);
    }
  }
}
