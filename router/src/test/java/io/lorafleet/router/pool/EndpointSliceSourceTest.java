package io.lorafleet.router.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.lorafleet.router.testing.LogCapture;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The EndpointSlice pod source on the Fabric8 mock API server (CRUD mode, with watches): ready
 * addresses of the Service's slices on the named port, followed as slices come, change and go. Not
 * yet run against a real API server.
 */
@EnableKubernetesMockClient(crud = true)
class EndpointSliceSourceTest {
  static KubernetesClient client;

  @Test
  void followsTheReadyEndpointsOfTheServiceSlices() throws Exception {
    String ns = "pool-ns";
    AtomicReference<Set<PodEndpoint>> seen = new AtomicReference<>(Set.of());
    EndpointSliceSource source = new EndpointSliceSource(client, ns, "tiny-pods", "http");
    try {
      source.start(seen::set);
      create(
          ns, slice("tiny-pods-a", "tiny-pods", ready("10.0.0.1", true), ready("10.0.0.2", null)));
      create(ns, slice("other-svc-a", "other-svc", ready("10.9.9.9", true)));
      await(seen, Set.of("10.0.0.1:8000", "10.0.0.2:8000"));

      // a pod turns unready, another slice of the same Service appears
      create(
          ns, slice("tiny-pods-a", "tiny-pods", ready("10.0.0.1", true), ready("10.0.0.2", false)));
      create(ns, slice("tiny-pods-b", "tiny-pods", ready("10.0.0.3", true)));
      await(seen, Set.of("10.0.0.1:8000", "10.0.0.3:8000"));

      client.discovery().v1().endpointSlices().inNamespace(ns).withName("tiny-pods-a").delete();
      await(seen, Set.of("10.0.0.3:8000"));
      assertThat(seen.get().iterator().next().base().toString()).isEqualTo("http://10.0.0.3:8000");
    } finally {
      source.close();
    }
  }

  /**
   * Slices that exist before the source starts reach it as add events while the informer starts:
   * they must be handled, not fail in the handler (seen on the real control plane: an ERROR with a
   * NullPointerException at every router start, the event dropped).
   */
  @Test
  void slicesPresentAtStartAreHandledWithoutAHandlerError() throws Exception {
    String ns = "pool-ns-early";
    create(ns, slice("early-pods-a", "early-pods", ready("10.0.1.1", true)));
    AtomicReference<Set<PodEndpoint>> seen = new AtomicReference<>(Set.of());
    EndpointSliceSource source = new EndpointSliceSource(client, ns, "early-pods", "http");
    try (LogCapture log = new LogCapture()) {
      source.start(seen::set);
      await(seen, Set.of("10.0.1.1:8000"));
      // the add event's handler ran (or failed) by now: give its executor a moment
      Thread.sleep(200);
      assertThat(log.records)
          .as("handler failures")
          .noneMatch(r -> r.getLevel().intValue() >= Level.SEVERE.intValue());
    } finally {
      source.close();
    }
  }

  private static void create(String ns, EndpointSlice s) {
    client.discovery().v1().endpointSlices().inNamespace(ns).resource(s).createOr(r -> r.update());
  }

  private static void await(AtomicReference<Set<PodEndpoint>> seen, Set<String> ids)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < end && !ids(seen.get()).equals(ids)) {
      Thread.sleep(20);
    }
    assertThat(ids(seen.get())).isEqualTo(ids);
  }

  private static Set<String> ids(Set<PodEndpoint> pods) {
    return pods.stream().map(PodEndpoint::id).collect(Collectors.toSet());
  }

  private static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint ready(
      String ip, Boolean ready) {
    return new EndpointBuilder()
        .withAddresses(ip)
        .withNewConditions()
        .withReady(ready)
        .endConditions()
        .build();
  }

  private static EndpointSlice slice(
      String name, String service, io.fabric8.kubernetes.api.model.discovery.v1.Endpoint... eps) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels(EndpointSliceSource.SERVICE_LABEL, service)
        .endMetadata()
        .withAddressType("IPv4")
        .addNewPort()
        .withName("metrics")
        .withPort(9090)
        .endPort()
        .addNewPort()
        .withName("http")
        .withPort(8000)
        .endPort()
        .withEndpoints(eps)
        .build();
  }
}
