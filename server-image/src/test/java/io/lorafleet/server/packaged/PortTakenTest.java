package io.lorafleet.server.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import io.lorafleet.ports.LoopbackPorts;
import io.lorafleet.ports.TakenFirst;
import io.lorafleet.server.testing.PackagedServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packaged server whose port another process took between choosing it and binding it (an
 * outgoing connection or another listener can): the server says so and exits, and {@link
 * PackagedServer} starts it again on a new port, keeping the failed attempt's log.
 */
class PortTakenTest {
  @Test
  void aServerWhosePortWasTakenStartsAgainOnANewPort() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), LoopbackPorts.next()));
      TakenFirst takenFirst = new TakenFirst(taken.getLocalPort());
      try (PackagedServer server = PackagedServer.start("port-taken", takenFirst)) {
        List<Integer> tried = takenFirst.handedOut();
        assertThat(tried).hasSize(2);
        assertThat(server.port()).isEqualTo(tried.get(1));
        assertThat(server.log.resolveSibling("server.log.attempt1"))
            .content()
            .contains("Port " + taken.getLocalPort() + " seems to be in use");
        HttpResponse<String> ready =
            server.http.send(
                HttpRequest.newBuilder(server.base.resolve("/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
      }
    }
  }
}
