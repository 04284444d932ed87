package io.lorafleet.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
  private static final EphemeralRange HERE = EphemeralRange.ofThisMachine();

  @Test
  void portsAreOutsideThisMachinesEphemeralRangeAndBindable() throws IOException {
    for (int i = 0; i < 200; i++) {
      int port = LoopbackPorts.next();
      assertThat(HERE.contains(port))
          .as("port %d inside the ephemeral range %s", port, HERE)
          .isFalse();
      assertThat(port).isBetween(LoopbackPorts.LOWEST_UNPRIVILEGED, LoopbackPorts.HIGHEST);
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      }
    }
  }

  /** The premise: what bind(0) hands out is a port an outgoing connection may also take. */
  @Test
  void theKernelsBindZeroPortIsInsideTheEphemeralRange() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(HERE.contains(socket.getLocalPort())).as("bind(0) in %s", HERE).isTrue();
    }
  }

  @Test
  void aPortSomeoneListensOnIsNotBindable() throws IOException {
    int port = LoopbackPorts.next();
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(LoopbackPorts.bindable(port)).isFalse();
    }
    assertThat(LoopbackPorts.bindable(port)).isTrue();
  }

  @Test
  void takenCandidatesAreSkipped() {
    List<Integer> asked = new ArrayList<>();
    int port =
        LoopbackPorts.next(
            EphemeralRange.LINUX_DEFAULT,
            candidate -> {
              asked.add(candidate);
              return asked.size() == 5;
            },
            new Random(1));
    assertThat(asked).hasSize(5).last().isEqualTo(port);
    assertThat(asked).allSatisfy(p -> assertThat(p).isBetween(20_000, 32_767));
  }

  @Test
  void nothingFreeIsAClearError() {
    assertThatThrownBy(
            () -> LoopbackPorts.next(EphemeralRange.LINUX_DEFAULT, p -> false, new Random(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "no free loopback port outside the ephemeral range 32768-60999 after 200 tries");
  }

  @Test
  void aRangeReachingDownToLowestDrawsAboveItAndBelowIt() {
    EphemeralRange low = new EphemeralRange(20_500, 60_999);
    Random random = new Random(7);
    boolean sawBelow = false;
    boolean sawAbove = false;
    for (int i = 0; i < 2_000; i++) {
      int port = LoopbackPorts.next(low, p -> true, random);
      assertThat(low.contains(port)).as("port %d", port).isFalse();
      assertThat(port).isBetween(1_024, 65_535);
      sawBelow |= port < 20_500;
      sawAbove |= port > 60_999;
    }
    assertThat(sawBelow).isTrue();
    assertThat(sawAbove).isTrue();
  }

  @Test
  void aRangeCoveringEveryUnprivilegedPortIsAClearError() {
    assertThatThrownBy(
            () -> LoopbackPorts.next(new EphemeralRange(1_024, 65_535), p -> true, new Random(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1024-65535")
        .hasMessageContaining("net.ipv4.ip_local_port_range");
  }

  @Test
  void theRangeIsReadFromTheKernelsSetting() {
    assertThat(EphemeralRange.parse("32768\t60999\n"))
        .isEqualTo(new EphemeralRange(32_768, 60_999));
    assertThat(EphemeralRange.parse("  1024 65000")).isEqualTo(new EphemeralRange(1_024, 65_000));
    assertThatThrownBy(() -> EphemeralRange.parse("32768"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'32768'");
    assertThatThrownBy(() -> EphemeralRange.parse("60999 32768"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
