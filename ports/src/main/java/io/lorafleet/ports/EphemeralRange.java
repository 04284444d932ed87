package io.lorafleet.ports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's ephemeral port range ({@code net.ipv4.ip_local_port_range}): where {@code bind(0)}
 * and the source ports of outgoing connections come from.
 */
record EphemeralRange(int first, int last) {
  /** Linux's default, used where the range cannot be read (another OS, a restricted /proc). */
  static final EphemeralRange LINUX_DEFAULT = new EphemeralRange(32_768, 60_999);

  private static final Path SETTING = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  EphemeralRange {
    if (first < 1 || last > 65_535 || first > last) {
      throw new IllegalArgumentException("not a port range: " + first + "-" + last);
    }
  }

  static EphemeralRange ofThisMachine() {
    try {
      return parse(Files.readString(SETTING));
    } catch (IOException | RuntimeException e) {
      return LINUX_DEFAULT;
    }
  }

  /** The setting's text: two numbers separated by white space ({@code "32768\t60999\n"}). */
  static EphemeralRange parse(String setting) {
    String[] bounds = setting.trim().split("\\s+");
    if (bounds.length != 2) {
      throw new IllegalArgumentException("not a port range: '" + setting.trim() + "'");
    }
    return new EphemeralRange(Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1]));
  }

  boolean contains(int port) {
    return port >= first && port <= last;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
