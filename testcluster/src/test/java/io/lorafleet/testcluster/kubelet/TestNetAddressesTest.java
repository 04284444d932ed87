package io.lorafleet.testcluster.kubelet;

import static io.lorafleet.testcluster.kubelet.Cluster.admin;
import static io.lorafleet.testcluster.kubelet.Cluster.awaitTrue;
import static io.lorafleet.testcluster.kubelet.Cluster.namespace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pod IPs from the test range (198.18.0.0/15 as /32 aliases on lo): bindable, given back at close,
 * and, unlike loopback pod IPs, published by the real endpointslice controller (the API server
 * refuses 127.0.0.0/8 in an EndpointSlice). Skipped, with the reason, where addresses cannot be
 * added (not root, no iproute2).
 */
class TestNetAddressesTest {
  @BeforeAll
  static void addressesCanBeAdded() {
    Optional<String> why = TestNetAddresses.unavailable();
    assumeTrue(why.isEmpty(), () -> "test-range pod addresses unavailable: " + why.orElseThrow());
  }

  @Test
  void addressesAreDistinctBindableAndRemovedAtClose() throws Exception {
    List<String> given;
    try (TestNetAddresses addresses = TestNetAddresses.create()) {
      String a = addresses.next();
      String b = addresses.next();
      given = List.of(a, b);
      assertThat(a).isNotEqualTo(b).startsWith("198.1");
      assertThat(onLo()).contains(a, b);
      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(InetAddress.getByName(a), 0));
        try (Socket client = new Socket(a, server.getLocalPort())) {
          assertThat(client.isConnected()).isTrue();
        }
      }
    }
    assertThat(onLo()).doesNotContainAnyElementsOf(given);
  }

  @Test
  void theEndpointSliceControllerPublishesTestRangePodIps() throws Exception {
    String ns = namespace("testnet", false);
    Kubelet kubelet =
        Kubelet.start(
            admin(),
            Files.createTempDirectory("kubelet-testnet"),
            ImageRegistry.of("example/web"),
            pod ->
                ns.equals(pod.getMetadata().getNamespace())
                    ? SimulatedRuntime.serving(
                        SimulatedRuntime.http(
                            exchange -> {
                              byte[] body =
                                  exchange
                                      .getLocalAddress()
                                      .getAddress()
                                      .getHostAddress()
                                      .getBytes(StandardCharsets.UTF_8);
                              exchange.sendResponseHeaders(200, body.length);
                              exchange.getResponseBody().write(body);
                              exchange.close();
                            }))
                    : null,
            TestNetAddresses.create());
    Set<String> podIps = new TreeSet<>();
    try {
      admin().services().inNamespace(ns).resource(service()).create();
      admin().apps().deployments().inNamespace(ns).resource(deployment(2)).create();
      awaitTrue(
          "2 ready endpoints in the Service's EndpointSlices",
          java.time.Duration.ofSeconds(60),
          () -> readyAddresses(ns).size() == 2);
      for (String address : readyAddresses(ns)) {
        assertThat(address).startsWith("198.1");
        // The published address and port reach the pod's server.
        assertThat(get(URI.create("http://" + address + ":8080/"))).isEqualTo(address);
        podIps.add(address);
      }
      // A pod that goes away leaves the slice.
      admin().apps().deployments().inNamespace(ns).withName("web").scale(1);
      awaitTrue(
          "1 ready endpoint after scaling to 1",
          java.time.Duration.ofSeconds(60),
          () -> readyAddresses(ns).size() == 1);
    } finally {
      kubelet.close();
      admin().namespaces().withName(ns).delete();
    }
    assertThat(onLo())
        .as("the kubelet gave its addresses back")
        .doesNotContainAnyElementsOf(podIps);
  }

  private static Set<String> readyAddresses(String ns) {
    Set<String> result = new HashSet<>();
    for (EndpointSlice slice :
        admin()
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(ns)
            .withLabel("kubernetes.io/service-name", "web")
            .list()
            .getItems()) {
      if (slice.getEndpoints() == null) {
        continue; // a slice with no endpoints (yet)
      }
      for (Endpoint e : slice.getEndpoints()) {
        if (e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady())) {
          result.addAll(e.getAddresses());
        }
      }
    }
    return result;
  }

  private static io.fabric8.kubernetes.api.model.Service service() {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName("web")
        .endMetadata()
        .withNewSpec()
        .withClusterIP("None")
        .addToSelector("app", "web")
        .addNewPort()
        .withName("http")
        .withPort(8080)
        .withNewTargetPort("http")
        .endPort()
        .endSpec()
        .build();
  }

  private static io.fabric8.kubernetes.api.model.apps.Deployment deployment(int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("web")
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .addToMatchLabels("app", "web")
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", "web")
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(1L)
        .addNewContainer()
        .withName("main")
        .withImage("example/web")
        .addNewPort()
        .withName("http")
        .withContainerPort(8080)
        .endPort()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static String get(URI uri) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    }
  }

  /** The IPv4 addresses on lo now. */
  private static Set<String> onLo() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ip", "-o", "-4", "addr", "show", "dev", "lo").start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    Set<String> result = new HashSet<>();
    for (String line : out.lines().toList()) {
      String[] fields = line.trim().split("\\s+");
      for (int i = 0; i < fields.length - 1; i++) {
        if (fields[i].equals("inet")) {
          result.add(fields[i + 1].replaceFirst("/.*", ""));
        }
      }
    }
    return result;
  }
}
