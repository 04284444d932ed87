package io.lorafleet.testcluster.kubelet;

/**
 * A container that cannot start as specified: it stays waiting with {@link #reason()} (a real
 * kubelet's reason, such as {@code CreateContainerConfigError} or {@code ErrImagePull}).
 */
public final class ContainerConfigException extends Exception {
  private final String reason;

  public ContainerConfigException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
