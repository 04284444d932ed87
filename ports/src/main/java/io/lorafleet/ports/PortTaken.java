package io.lorafleet.ports;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Recognises, in a process's output, that it could not listen because its port was taken. */
public final class PortTaken {
  private static final int TAIL_LINES = 20;

  private PortTaken() {}

  /**
   * Whether {@code output} says the port was in use: Java's and Go's bind errors ("address already
   * in use"), and Quarkus' own line ("Port 8000 seems to be in use by another process").
   */
  public static boolean in(String output, int port) {
    String text = output.toLowerCase(Locale.ROOT);
    return text.contains("address already in use")
        || text.contains("port " + port + " seems to be in use");
  }

  /**
   * Throws {@link PortTakenException} when the log of {@code what}, a process that has exited, says
   * its port was taken; returns otherwise, so that the caller reports its own failure.
   */
  public static void throwIfTaken(String what, int port, Path log) throws PortTakenException {
    String output;
    try {
      output = Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return; // an unreadable log is no evidence of a race
    }
    if (in(output, port)) {
      throw new PortTakenException(what, port, log, tail(output));
    }
  }

  /** As {@link #throwIfTaken(String, int, Path)} for output that is not in a file. */
  public static void throwIfTaken(String what, int port, String output) throws PortTakenException {
    if (in(output, port)) {
      throw new PortTakenException(what, port, null, tail(output));
    }
  }

  /** The last lines of {@code output}, so that a failure on a CI machine shows its cause. */
  static String tail(String output) {
    List<String> lines = output.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
  }
}
