package io.lorafleet.operator.storage;

import java.util.regex.Pattern;

/** The version directory an artifact URI and a resolved digest name. */
public final class Versions {
  private static final Pattern VERSION_DIR = Pattern.compile("sha256-[0-9a-f]{64}/?$");

  private Versions() {}

  /**
   * {@code uri} itself when it names a version; otherwise the version {@code digest} under the
   * prefix {@code uri}.
   */
  public static String directory(String uri, String digest) {
    if (VERSION_DIR.matcher(uri).find()) {
      return uri;
    }
    return uri.replaceAll("/+$", "") + "/sha256-" + digest.substring("sha256:".length()) + "/";
  }
}
