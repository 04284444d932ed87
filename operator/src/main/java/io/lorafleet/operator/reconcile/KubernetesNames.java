package io.lorafleet.operator.reconcile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Names of owned objects that always satisfy Kubernetes' length and character rules. */
public final class KubernetesNames {
  public static final int DNS_LABEL_MAX = 63;

  private KubernetesNames() {}

  /**
   * {@code prefix + name}, shortened with a hash suffix when longer than 63 characters, so that two
   * long names never collide. The prefix starts with a letter, which Service names (DNS-1035)
   * require even when the resource's own name starts with a digit.
   */
  public static String label(String prefix, String name) {
    String full = prefix + name;
    if (full.length() <= DNS_LABEL_MAX) {
      return full;
    }
    String hash = sha256(name).substring(0, 8);
    String head = full.substring(0, DNS_LABEL_MAX - hash.length() - 1);
    while (head.endsWith("-")) {
      head = head.substring(0, head.length() - 1);
    }
    return head + "-" + hash;
  }

  private static String sha256(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
