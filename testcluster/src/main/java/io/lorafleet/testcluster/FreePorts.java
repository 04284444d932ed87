package io.lorafleet.testcluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports free at the time of asking, taken just before the process that binds them starts.
 *
 * <p>They are drawn below the kernel's ephemeral range: a port the kernel hands out for {@code
 * bind(0)} comes from the same range as the source ports of outgoing connections, so between asking
 * and binding, any client connection on the machine (the shared control plane makes many) can take
 * it. A collision below the range needs another listener choosing the same port, which {@link
 * ControlPlane#start} survives by starting again on new ports.
 */
final class FreePorts {
  private static final int LOWEST = 20_000;
  private static final int TRIES = 200;

  private FreePorts() {}

  static int next() {
    int ceiling = Math.max(LOWEST + 1_000, ephemeralRangeStart());
    for (int i = 0; i < TRIES; i++) {
      int candidate = ThreadLocalRandom.current().nextInt(LOWEST, ceiling);
      if (bindable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "no free loopback port in [" + LOWEST + ", " + ceiling + ") after " + TRIES + " tries");
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of {@code ip_local_port_range}; Linux's default when it cannot be read. */
  private static int ephemeralRangeStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
