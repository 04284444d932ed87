package io.lorafleet.testcluster.kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Pod IPs that the API server accepts in EndpointSlices: addresses of the benchmarking range
 * 198.18.0.0/15 (RFC 2544; never routed on the Internet), each added as a /32 alias on {@code lo}
 * ({@code ip addr add 198.18.x.y/32 dev lo}) when a pod is given it and removed at {@link #close()}
 * or, if the JVM ends first, by a shutdown hook. Loopback addresses (127.0.0.0/8) are refused there
 * ("may not be in the loopback range"), so with them the real endpointslice controller cannot
 * publish the pods, and a client of the EndpointSlices (the router) sees none.
 *
 * <p>Needs root (CAP_NET_ADMIN) and iproute2's {@code ip}: {@link #unavailable()} says why not, so
 * that a test can skip visibly. Adding an address that exists fails, so JVMs running side by side
 * never share one: each starts at a random offset and moves on past addresses already present
 * (another JVM's, or one left by a JVM that was killed before its hook ran).
 */
public final class TestNetAddresses implements PodAddresses {
  private static final int BASE = (198 << 24) | (18 << 16); // 198.18.0.0
  private static final int SIZE = 1 << 17; // /15
  private static final int MAX_TRIES = 256;
  private static final List<Path> IP_COMMANDS =
      List.of(
          Path.of("/usr/sbin/ip"), Path.of("/sbin/ip"), Path.of("/usr/bin/ip"), Path.of("/bin/ip"));

  private final Path ip;
  private final List<String> added = new ArrayList<>();
  private final Thread hook;
  private int cursor = ThreadLocalRandom.current().nextInt(SIZE);
  private boolean closed;

  private TestNetAddresses(Path ip) {
    this.ip = ip;
    this.hook = new Thread(this::removeAll, "testnet-addresses-remove");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Why test-range pod addresses cannot be used here (no {@code ip} command, not permitted), or
   * empty when they can: it adds one address and removes it again.
   */
  public static Optional<String> unavailable() {
    Optional<Path> ip = ipCommand();
    if (ip.isEmpty()) {
      return Optional.of("no `ip` command (iproute2) at " + IP_COMMANDS);
    }
    TestNetAddresses probe = new TestNetAddresses(ip.get());
    try {
      probe.next();
      return Optional.empty();
    } catch (IllegalStateException e) {
      return Optional.of(e.getMessage());
    } finally {
      probe.close();
    }
  }

  /** A new source; fails with the reason when {@link #unavailable()} would give one. */
  public static TestNetAddresses create() {
    return new TestNetAddresses(
        ipCommand()
            .orElseThrow(
                () -> new IllegalStateException("no `ip` command (iproute2) at " + IP_COMMANDS)));
  }

  private static Optional<Path> ipCommand() {
    return IP_COMMANDS.stream().filter(Files::isExecutable).findFirst();
  }

  @Override
  public synchronized String next() {
    if (closed) {
      throw new IllegalStateException("test-range addresses already given back");
    }
    for (int i = 0; i < MAX_TRIES; i++) {
      int offset = cursor;
      cursor = (cursor + 1) % SIZE;
      if ((offset & 0xff) == 0 || (offset & 0xff) == 0xff) {
        continue; // no .0 or .255: some tools treat them as network or broadcast addresses
      }
      String address = dotted(BASE + offset);
      Result add = ip("addr", "add", address + "/32", "dev", "lo");
      if (add.code == 0) {
        added.add(address);
        return address;
      }
      if (!add.output.contains("already assigned") && !add.output.contains("File exists")) {
        throw new IllegalStateException(
            "cannot add a test-range address on lo (`ip addr add "
                + address
                + "/32 dev lo`: exit "
                + add.code
                + ", "
                + add.output.strip()
                + "); it needs root (CAP_NET_ADMIN)");
      }
    }
    throw new IllegalStateException(
        MAX_TRIES + " test-range addresses in a row already present on lo");
  }

  /** The addresses this source added and still holds. */
  public synchronized List<String> added() {
    return List.copyOf(added);
  }

  @Override
  public void close() {
    removeAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (and finds nothing left)
    }
  }

  private synchronized void removeAll() {
    closed = true;
    for (String address : added) {
      Result del = ip("addr", "del", address + "/32", "dev", "lo");
      if (del.code != 0) {
        System.err.println(
            "test-range address " + address + " not removed from lo: " + del.output.strip());
      }
    }
    added.clear();
  }

  private static String dotted(int address) {
    return (address >>> 24)
        + "."
        + ((address >>> 16) & 0xff)
        + "."
        + ((address >>> 8) & 0xff)
        + "."
        + (address & 0xff);
  }

  private record Result(int code, String output) {}

  private Result ip(String... args) {
    List<String> command = new ArrayList<>();
    command.add(ip.toString());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out after 10 s");
      }
      return new Result(p.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
