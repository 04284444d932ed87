package io.lorafleet.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.lorafleet.ports.LoopbackPorts;
import org.junit.jupiter.api.Test;

/** Pure logic against a closed loopback port: no API server involved. */
class ApiServerReachabilityTest {
  @Test
  void anUnreachableApiServerIsNamedInOneLineThatSaysWhatIsNeeded() throws Exception {
    // Nothing listens there, and outside the ephemeral range the client's own source port can never
    // equal it (a closed bind(0) port could: TCP self-connect, which then "succeeds").
    int closedPort = LoopbackPorts.next();
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
