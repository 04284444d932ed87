package io.lorafleet.testcluster.kubelet;

/**
 * Where the kubelet stand-in takes its pods' IPs from. The kubelet owns its source: {@link
 * Kubelet#close()} closes it after the pods are stopped.
 */
public interface PodAddresses extends AutoCloseable {
  /** A fresh address for one pod, bindable by any local process from now on. */
  String next();

  /** Gives back what this source set up (nothing for loopback addresses). */
  @Override
  void close();

  /** Loopback addresses 127.R.x.y ({@link LoopbackAddresses}): no set-up, never published. */
  static PodAddresses loopback() {
    return new PodAddresses() {
      @Override
      public String next() {
        return LoopbackAddresses.next();
      }

      @Override
      public void close() {}
    };
  }
}
