package io.lorafleet.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A bearer token kept in a file (a mounted Secret). The file is read at every check, so a rotated
 * Secret takes effect without a restart; a missing, unreadable or empty file accepts nothing. Both
 * sides are hashed before a constant-time comparison, so neither the token's content nor its length
 * leaks through timing. The token is never logged.
 */
public final class TokenFile {
  private static final Logger LOG = Logger.getLogger(TokenFile.class);

  private final String flag;
  private final Optional<Path> file;
  private volatile boolean warned;

  /** {@code flag} names the option in warnings, e.g. {@code --admin-token-file}. */
  public TokenFile(String flag, Optional<Path> file) {
    this.flag = flag;
    this.file = file;
  }

  public boolean configured() {
    return file.isPresent();
  }

  /** True when {@code authorization} is {@code Bearer <the file's token>}. */
  public boolean accepts(String authorization) {
    byte[] expected = read();
    if (expected == null) {
      return false;
    }
    byte[] given =
        authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
            ? authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8)
            : new byte[0];
    return MessageDigest.isEqual(sha256(expected), sha256(given));
  }

  private byte[] read() {
    if (file.isEmpty()) {
      warnOnce("no " + flag + ": every call that needs it is refused");
      return null;
    }
    try {
      byte[] t = Files.readString(file.get()).trim().getBytes(StandardCharsets.UTF_8);
      if (t.length == 0) {
        warnOnce(flag + " " + file.get() + " is empty: every call that needs it is refused");
        return null;
      }
      return t;
    } catch (IOException e) {
      warnOnce(
          flag
              + " "
              + file.get()
              + " cannot be read ("
              + e.getClass().getSimpleName()
              + "): every call that needs it is refused");
      return null;
    }
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void warnOnce(String message) {
    if (!warned) {
      warned = true;
      LOG.warn(message);
    }
  }
}
