package io.lorafleet.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Pure logic against a closed loopback port: no API server involved. */
class ApiServerReachabilityTest {
  @Test
  void anUnreachableApiServerIsNamedInOneLineThatSaysWhatIsNeeded() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    var config =
        new ConfigBuilder()
            .withMasterUrl("https://127.0.0.1:" + closedPort)
            .withOauthToken("secret-token-value")
            .withRequestRetryBackoffLimit(0)
            .build();
    try (var client = new KubernetesClientBuilder().withConfig(config).build()) {
      var line = ApiServerReachability.check(client);
      assertThat(line).isPresent();
      assertThat(line.get())
          .contains("Cannot reach the Kubernetes API server at https://127.0.0.1:" + closedPort)
          .contains("Connection refused")
          .contains("KUBECONFIG")
          .doesNotContain("secret-token-value");
    }
  }
}
