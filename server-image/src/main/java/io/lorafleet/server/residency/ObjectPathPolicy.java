package io.lorafleet.server.residency;

import io.lorafleet.artifacts.store.InvalidS3UriException;
import io.lorafleet.artifacts.store.S3Uri;
import java.util.List;

/**
 * Where an admin load may read object-store versions: a plain {@code s3://bucket/key} (no dot
 * segments, empty segments, percent-encoding, backslashes, query or control characters, which an
 * S3-compatible store or a proxy may decode or normalise into another key) under one of the
 * configured roots ({@code --adapter-s3-root s3://bucket/prefix}, compared by whole segments).
 * Checked on the string alone, before any request to the store.
 */
final class ObjectPathPolicy {
  private ObjectPathPolicy() {}

  /** Parses a configured root; a root that is itself not a plain URI is a configuration error. */
  static S3Uri root(String root) {
    try {
      return plain(root.trim());
    } catch (AdapterLoadException e) {
      throw new IllegalArgumentException("--adapter-s3-root " + root + ": " + e.getMessage(), e);
    }
  }

  /** The URI of {@code path}, refused unless plain and under a root (no roots: any bucket). */
  static S3Uri confine(String path, List<S3Uri> roots) throws AdapterLoadException {
    S3Uri uri = plain(path);
    if (roots.isEmpty()) {
      return uri;
    }
    for (S3Uri root : roots) {
      if (root.bucket().equals(uri.bucket()) && uri.prefix().startsWith(root.prefix())) {
        return uri;
      }
    }
    throw AdapterLoadException.refused(
        "PathNotAllowed", path + " is outside the server's object-store adapter roots " + roots);
  }

  private static S3Uri plain(String path) throws AdapterLoadException {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (Character.isISOControl(c)) {
        throw AdapterLoadException.refused(
            "InvalidRequest", "lora_path contains a control character");
      }
      if (c == '%' || c == '\\' || c == '?' || c == '#') {
        throw AdapterLoadException.refused(
            "InvalidRequest",
            "lora_path must be a plain s3://bucket/key without '%', '\\', '?' or '#'");
      }
    }
    S3Uri uri;
    try {
      uri = S3Uri.parse(path);
    } catch (InvalidS3UriException e) {
      throw AdapterLoadException.refused("InvalidRequest", "lora_path: " + e.getMessage());
    }
    String key = path.substring(("s3://" + uri.bucket()).length());
    String[] segments = key.split("/", -1);
    for (int i = 1; i < segments.length; i++) { // [0] is before the key's leading slash
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (s.equals(".") || s.equals("..") || (s.isEmpty() && !last)) {
        throw AdapterLoadException.refused(
            "InvalidRequest", "lora_path must not contain '.', '..' or empty segments");
      }
    }
    return uri;
  }
}
