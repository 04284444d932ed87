package io.lorafleet.router.proxy;

import io.lorafleet.router.config.RouterConfig;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The pool's inference token ({@code lorafleet.router.inference-token-file}): what clients must
 * send and what the router sends to the pods. Read at every use, so a rotated Secret takes effect;
 * compared in constant time (both sides hashed first); never logged. A configured file that is
 * missing or empty refuses every client.
 */
@ApplicationScoped
public class PoolToken {
  private static final Logger LOG = Logger.getLogger(PoolToken.class);

  private final Optional<Path> file;

  PoolToken(RouterConfig config) {
    this.file = config.inferenceTokenFile();
  }

  public boolean configured() {
    return file.isPresent();
  }

  /** True when authentication is off or {@code authorization} is {@code Bearer <token>}. */
  public boolean accepts(String authorization) {
    if (file.isEmpty()) {
      return true;
    }
    String expected = read();
    if (expected == null) {
      return false;
    }
    String given =
        authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
            ? authorization.substring(7).trim()
            : "";
    return MessageDigest.isEqual(sha256(expected), sha256(given));
  }

  /**
   * Whether the client of {@code ctx} may call the router; when not, it has been answered 401 in
   * the OpenAI shape. Every client route checks it first.
   */
  boolean admits(RoutingContext ctx) {
    if (accepts(ctx.request().getHeader("Authorization"))) {
      return true;
    }
    OpenAiError.send(
        ctx,
        401,
        "invalid_request_error",
        "invalid_api_key",
        null,
        "Incorrect or missing API key: send Authorization: Bearer <token>",
        0);
    return false;
  }

  /** {@code Bearer <token>} for calls to the pods, or null when the pool has no token. */
  public String authorization() {
    String t = file.isEmpty() ? null : read();
    return t == null ? null : "Bearer " + t;
  }

  private String read() {
    try {
      String t = Files.readString(file.get(), StandardCharsets.UTF_8).trim();
      return t.isEmpty() ? null : t;
    } catch (IOException e) {
      LOG.warnf("the inference token file %s cannot be read: %s", file.get(), e.getMessage());
      return null;
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
