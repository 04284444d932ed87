package io.lorafleet.ports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.IntSupplier;

/**
 * Starts something that listens on a port chosen for it, and starts it again on a new port, at most
 * {@link #ATTEMPTS} times in all, when the port was taken before it bound it. A failed attempt's
 * log is kept beside the new one ({@code server.log.attempt1}), as the evidence.
 */
public final class StartOnFreePort {
  public static final int ATTEMPTS = 3;

  /**
   * One attempt on {@code port}; a lost race is a {@link PortTakenException}, thrown once the
   * attempt's process has exited or been stopped.
   */
  @FunctionalInterface
  public interface Attempt<T, E extends Exception> {
    T on(int port) throws E;
  }

  private StartOnFreePort() {}

  /**
   * {@code what} names it in messages ("server 2", "the router"); ports come from {@link
   * LoopbackPorts#next()}.
   */
  public static <T, E extends Exception> T start(String what, Attempt<T, E> attempt) throws E {
    return start(what, LoopbackPorts::next, attempt);
  }

  /**
   * As {@link #start(String, Attempt)}, the ports from {@code ports} (a test hands a taken one).
   */
  public static <T, E extends Exception> T start(
      String what, IntSupplier ports, Attempt<T, E> attempt) throws E {
    for (int n = 1; ; n++) {
      try {
        return attempt.on(ports.getAsInt());
      } catch (Exception e) {
        if (!(e instanceof PortTakenException taken) || n >= ATTEMPTS) {
          throw e; // precisely what the attempt throws: E or unchecked
        }
        int failed = n;
        String kept = taken.log().map(log -> keep(log, failed)).orElse("(no log file)");
        System.err.printf(
            "%s: port %d was taken before it bound it (attempt %d of %d, output kept in %s);"
                + " starting again on a new port%n",
            what, taken.port(), n, ATTEMPTS, kept);
      }
    }
  }

  /** Moves the failed attempt's log aside, so that the next attempt writes a fresh one. */
  private static String keep(Path log, int attempt) {
    Path kept = log.resolveSibling(log.getFileName() + ".attempt" + attempt);
    try {
      Files.move(log, kept, StandardCopyOption.REPLACE_EXISTING);
      return kept.toString();
    } catch (IOException e) {
      return log + " (could not move it aside: " + e.getMessage() + ")";
    }
  }
}
