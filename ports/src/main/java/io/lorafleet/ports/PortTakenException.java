package io.lorafleet.ports;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** A process could not listen on the port chosen for it: something else bound it first. */
public final class PortTakenException extends IOException {
  private final int port;
  private final transient Path log;

  /** {@code log} is where the process's output is, or null; {@code tail} its last lines. */
  public PortTakenException(String what, int port, Path log, String tail) {
    super(
        what
            + " could not listen on 127.0.0.1:"
            + port
            + ": the port was taken before it bound it"
            + (log == null ? "" : "; its output is in " + log)
            + ", ending with:\n"
            + tail);
    this.port = port;
    this.log = log;
  }

  public int port() {
    return port;
  }

  public Optional<Path> log() {
    return Optional.ofNullable(log);
  }
}
