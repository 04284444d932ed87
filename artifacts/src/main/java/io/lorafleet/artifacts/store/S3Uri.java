package io.lorafleet.artifacts.store;

import java.util.regex.Pattern;

/** {@code s3://bucket/key}: a bucket and a key or key prefix without a leading slash. */
public record S3Uri(String bucket, String key) {
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  public S3Uri {
    if (!BUCKET.matcher(bucket).matches()) {
      throw new InvalidS3UriException("invalid S3 bucket name '" + bucket + "'");
    }
    while (key.startsWith("/")) {
      key = key.substring(1);
    }
  }

  public static boolean isS3(String s) {
    return s.startsWith("s3://");
  }

  public static S3Uri parse(String s) {
    if (!isS3(s)) {
      throw new InvalidS3UriException("not an s3:// URI: " + s);
    }
    String rest = s.substring("s3://".length());
    int slash = rest.indexOf('/');
    return slash < 0
        ? new S3Uri(rest, "")
        : new S3Uri(rest.substring(0, slash), rest.substring(slash + 1));
  }

  /** The key as a prefix: empty, or ending with exactly one slash. */
  public String prefix() {
    String k = key;
    while (k.endsWith("/")) {
      k = k.substring(0, k.length() - 1);
    }
    return k.isEmpty() ? "" : k + "/";
  }

  public S3Uri child(String name) {
    return new S3Uri(bucket, prefix() + name);
  }

  /** The last path segment of the key (without trailing slash). */
  public String lastSegment() {
    String p = prefix();
    if (p.isEmpty()) {
      return "";
    }
    String k = p.substring(0, p.length() - 1);
    return k.substring(k.lastIndexOf('/') + 1);
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + key;
  }
}
