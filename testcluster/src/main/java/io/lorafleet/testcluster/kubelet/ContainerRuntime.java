package io.lorafleet.testcluster.kubelet;

/**
 * Runs a pod's container for the {@link Kubelet}: the kubelet decides when (volumes ready, restart
 * policy, deletion) and reports status; the runtime starts and signals what runs.
 */
public interface ContainerRuntime {
  /**
   * Starts the container. A {@link ContainerConfigException} leaves the container waiting with the
   * exception's reason and message (the kubelet retries), as a real kubelet does for a missing
   * Secret key or a root user under runAsNonRoot.
   */
  RunningContainer start(ContainerLaunch launch) throws ContainerConfigException;

  /**
   * Whether the kubelet runs the pod's own readiness and liveness probes against this container;
   * when false the container is ready as soon as it runs.
   */
  default boolean probes(ContainerLaunch launch) {
    return true;
  }
}
