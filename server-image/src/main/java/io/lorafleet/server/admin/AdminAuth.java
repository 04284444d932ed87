package io.lorafleet.server.admin;

import io.lorafleet.server.api.ApiException;
import io.lorafleet.server.config.ServerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Bearer-token check of the admin API. The token file is read on every check (a rotated Secret
 * takes effect without a restart) and compared in constant time. Without a token file every admin
 * call is refused. The token is never logged.
 */
@ApplicationScoped
public class AdminAuth {
  private static final Logger LOG = Logger.getLogger(AdminAuth.class);

  private final Optional<Path> tokenFile;
  private volatile boolean warned;

  AdminAuth(ServerConfig config) {
    this.tokenFile = config.adminTokenFile();
  }

  /** Throws 401 unless {@code authorization} is {@code Bearer <token>}. */
  public void check(String authorization) {
    byte[] expected = token();
    byte[] given =
        authorization != null && authorization.startsWith("Bearer ")
            ? authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8)
            : new byte[0];
    if (expected == null || expected.length == 0 || !MessageDigest.isEqual(expected, given)) {
      throw new ApiException(
          401,
          "authentication_error",
          "Unauthorized",
          null,
          "a valid admin bearer token is required",
          0);
    }
  }

  private byte[] token() {
    if (tokenFile.isEmpty()) {
      warnOnce("no --admin-token-file: the admin API refuses every call");
      return null;
    }
    try {
      return Files.readString(tokenFile.get()).trim().getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      warnOnce("admin token file " + tokenFile.get() + " cannot be read: " + e.getMessage());
      return null;
    }
  }

  private void warnOnce(String message) {
    if (!warned) {
      warned = true;
      LOG.warn(message);
    }
  }
}
