package io.lorafleet.trainer.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Kubernetes termination message ({@code /dev/termination-log}, shown by {@code kubectl
 * describe pod}): one short line, written when the file is writable (it is not outside a pod).
 */
public final class TerminationMessage {
  public static final Path DEFAULT = Path.of("/dev/termination-log");

  /** Kubernetes keeps at most 4096 bytes; stay well below. */
  static final int MAX_CHARS = 1000;

  private final Path file;

  public TerminationMessage(Path file) {
    this.file = file;
  }

  public void write(String message) {
    writeWhole(
        message.length() > MAX_CHARS ? message.substring(0, MAX_CHARS - 3) + "..." : message);
  }

  /**
   * Writes {@code m} as it is: a machine-read message (the eval verdict's JSON) that its writer
   * keeps within the kubelet's 4096 bytes, and that a cut would make unreadable.
   */
  public void writeWhole(String m) {
    if (file == null || !Files.isWritable(file)) {
      return;
    }
    try {
      Files.writeString(file, m, StandardCharsets.UTF_8);
    } catch (IOException | SecurityException e) {
      // Best effort: the same text is in result.json and on stderr.
    }
  }
}
