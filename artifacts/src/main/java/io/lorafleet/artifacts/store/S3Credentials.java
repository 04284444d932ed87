package io.lorafleet.artifacts.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * An access key pair. {@link #toString()} never shows the secret, so a config or an exception that
 * carries it cannot leak it into logs.
 */
public record S3Credentials(String accessKey, String secretKey) {
  public static final String ACCESS_KEY_ENV = "AWS_ACCESS_KEY_ID";
  public static final String SECRET_KEY_ENV = "AWS_SECRET_ACCESS_KEY";

  public S3Credentials {
    if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
      throw new InvalidObjectStoreConfigException("S3 access key and secret key must both be set");
    }
  }

  /** From {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}, when both are present. */
  public static Optional<S3Credentials> fromEnvironment(Map<String, String> env) {
    String a = env.get(ACCESS_KEY_ENV);
    String s = env.get(SECRET_KEY_ENV);
    if (a == null || a.isBlank() || s == null || s.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new S3Credentials(a, s));
  }

  /**
   * From a mounted Kubernetes Secret: files named {@code AWS_ACCESS_KEY_ID} and {@code
   * AWS_SECRET_ACCESS_KEY} (or {@code accessKey}/{@code secretKey}); a trailing newline is ignored.
   */
  public static S3Credentials fromSecretDirectory(Path dir) throws IOException {
    String a = readFirst(dir, ACCESS_KEY_ENV, "accessKey");
    String s = readFirst(dir, SECRET_KEY_ENV, "secretKey");
    if (a == null || s == null) {
      throw new IOException(
          "credentials directory "
              + dir
              + " must contain "
              + ACCESS_KEY_ENV
              + " and "
              + SECRET_KEY_ENV
              + " (or accessKey and secretKey)");
    }
    return new S3Credentials(a, s);
  }

  private static String readFirst(Path dir, String... names) throws IOException {
    for (String n : names) {
      Path p = dir.resolve(n);
      if (Files.isRegularFile(p)) {
        return Files.readString(p).strip();
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "S3Credentials[accessKey=" + accessKey + ", secretKey=<redacted>]";
  }
}
