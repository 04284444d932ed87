package io.lorafleet.api.v1alpha1;

/** Group, version and category shared by every Lorafleet custom resource. */
public final class CrdConstants {
  public static final String GROUP = "lorafleet.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String CATEGORY = "lorafleet";

  private CrdConstants() {}
}
