package io.lorafleet.testcluster.kubelet;

import java.util.OptionalInt;

/** One run of a container, from start to exit. */
public interface RunningContainer {
  /** The exit code once it has exited (128 + signal when killed by one), else empty. */
  OptionalInt exitCode();

  /** Asks it to stop (SIGTERM). */
  void terminate();

  /** Stops it at once (SIGKILL). */
  void kill();

  /** Everything it has written to stdout and stderr so far. */
  String log();

  /**
   * Whether the kernel's OOM killer killed a process of it for exceeding its memory limit (the
   * container runtime then reports reason OOMKilled).
   */
  default boolean oomKilled() {
    return false;
  }

  /** What it wrote to its terminationMessagePath, empty when nothing. */
  default String terminationMessage() {
    return "";
  }
}
