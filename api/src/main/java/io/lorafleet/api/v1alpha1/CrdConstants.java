package io.lorafleet.api.v1alpha1;

/** Group, version, category and printer-column paths shared by every Lorafleet kind. */
public final class CrdConstants {
  public static final String GROUP = "lorafleet.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String CATEGORY = "lorafleet";

  public static final String READY_STATUS_PATH = ".status.conditions[?(@.type==\"Ready\")].status";
  public static final String READY_REASON_PATH = ".status.conditions[?(@.type==\"Ready\")].reason";
  public static final String AGE_PATH = ".metadata.creationTimestamp";

  private CrdConstants() {}
}
