package io.lorafleet.ports;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * A loopback port for another process (or another component) to bind: free when asked, and drawn at
 * random outside the kernel's ephemeral range.
 *
 * <p>Why not {@code new ServerSocket(0)}: the port the kernel hands out for {@code bind(0)} comes
 * from the ephemeral range, the same range as the source ports of outgoing connections. Between
 * closing that socket and the child process binding the port, any client connection on the machine
 * can take it as its source port, and the child fails with "address already in use" (a CI run
 * failed so). Outside the range only another listener that picks the same port can collide; {@link
 * StartOnFreePort} survives that by starting again on a new port.
 *
 * <p>An in-process server that binds port 0 itself and then reports its port has no such gap and
 * needs none of this.
 */
public final class LoopbackPorts {
  /** Below it live the well-known and registered services a machine may run. */
  static final int LOWEST = 20_000;

  /** When the range starts too close to {@link #LOWEST}, the draw goes down to here. */
  static final int LOWEST_UNPRIVILEGED = 1_024;

  static final int HIGHEST = 65_535;
  static final int TRIES = 200;

  private LoopbackPorts() {}

  /** A free loopback port outside this machine's ephemeral range. */
  public static int next() {
    return next(
        EphemeralRange.ofThisMachine(), LoopbackPorts::bindable, ThreadLocalRandom.current());
  }

  static int next(EphemeralRange range, IntPredicate bindable, RandomGenerator random) {
    // Below the range (from LOWEST, or lower when that leaves fewer than 1000 ports) and above it.
    int low = range.first() - LOWEST >= 1_000 ? LOWEST : LOWEST_UNPRIVILEGED;
    int below = Math.max(0, range.first() - low);
    int above = HIGHEST - range.last();
    if (below + above == 0) {
      throw new IllegalStateException(
          "the ephemeral port range "
              + range
              + " (net.ipv4.ip_local_port_range) leaves no unprivileged port outside it");
    }
    for (int i = 0; i < TRIES; i++) {
      int k = random.nextInt(below + above);
      int candidate = k < below ? low + k : range.last() + 1 + (k - below);
      if (bindable.test(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "no free loopback port outside the ephemeral range "
            + range
            + " after "
            + TRIES
            + " tries");
  }

  /** Whether a listener could bind the port on loopback now (nothing listens or lingers there). */
  static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
