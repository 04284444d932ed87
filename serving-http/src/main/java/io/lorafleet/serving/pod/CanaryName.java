package io.lorafleet.serving.pod;

/**
 * The pod-level name of an adapter version under canary rollout. The operator registers and loads
 * the new version on the pool's pods as {@code <servedName>@canary} next to the stable one under
 * {@code <servedName>}; the router sends a request's share to it by rewriting the body's {@code
 * model}; the server answers with the served name in {@code model}, so a client never sees which
 * version it got. Served names cannot contain {@code @} (the LoraAdapter schema refuses it), so
 * this name never collides with a real one.
 */
public final class CanaryName {
  public static final String SUFFIX = "@canary";

  private CanaryName() {}

  /** The pod-level name of the canary version of {@code servedName}. */
  public static String of(String servedName) {
    return servedName + SUFFIX;
  }

  /** Whether a pod-level name is a canary version. */
  public static boolean isCanary(String podName) {
    return podName.endsWith(SUFFIX) && podName.length() > SUFFIX.length();
  }

  /** The name clients use for a pod-level name: the canary suffix taken off, others unchanged. */
  public static String servedName(String podName) {
    return isCanary(podName) ? podName.substring(0, podName.length() - SUFFIX.length()) : podName;
  }
}
