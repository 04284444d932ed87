package io.lorafleet.router.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.router.testing.RealPlaneSlicesResource;
import io.lorafleet.testcluster.ControlPlane;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The router's pool follows a Service's EndpointSlices on a real API server (etcd and
 * kube-apiserver of lorafleet-testcluster; the mock in EndpointSliceSourceTest is more lenient):
 * slices created, updated (a pod turning unready, one terminating) and deleted, and a slice of
 * another Service ignored. The slices are written by the test, with TEST-NET-1 addresses
 * (192.0.2.0/24, never routed): the API server refuses loopback addresses in an EndpointSlice
 * (checked: 422 "may not be in the loopback range"), so no real pod on 127.0.0.1 can be published
 * this way; what is tested is the pod set, not requests to it. A pod that leaves the slices leaves
 * the pool within a second of the API call that removed it.
 */
@QuarkusTest
@WithTestResource(RealPlaneSlicesResource.class)
class EndpointSliceRealServerTest {
  private static final Logger LOG = Logger.getLogger(EndpointSliceRealServerTest.class);
  private static final long REMOVAL_BOUND_MS = 1000;

  @Inject Pool pool;

  @Test
  void thePoolFollowsTheServiceSlicesOnTheRealApiServer() throws Exception {
    KubernetesClient kube = ControlPlane.shared().adminClient();
    String ns = System.getProperty(RealPlaneSlicesResource.NAMESPACE_PROPERTY);
    String svc = RealPlaneSlicesResource.SERVICE;

    put(
        kube,
        ns,
        slice("tiny-pods-a", svc, ep("192.0.2.2", true, null), ep("192.0.2.3", null, null)));
    put(kube, ns, slice("other-svc-a", "other-svc", ep("192.0.2.9", true, null)));
    awaitPods(Set.of("192.0.2.2:8000", "192.0.2.3:8000"), 10_000);

    // a second slice of the Service: its pods join
    put(kube, ns, slice("tiny-pods-b", svc, ep("192.0.2.4", true, null)));
    awaitPods(Set.of("192.0.2.2:8000", "192.0.2.3:8000", "192.0.2.4:8000"), 10_000);

    // .3 starts terminating (as the endpointslice controller writes it: ready false, serving true)
    long t0 = System.nanoTime();
    put(
        kube,
        ns,
        slice("tiny-pods-a", svc, ep("192.0.2.2", true, null), ep("192.0.2.3", false, true)));
    long terminating = awaitPods(Set.of("192.0.2.2:8000", "192.0.2.4:8000"), REMOVAL_BOUND_MS, t0);

    // terminating with ready left unset (allowed by the API): not a pod to send new requests to
    t0 = System.nanoTime();
    put(
        kube,
        ns,
        slice("tiny-pods-b", svc, ep("192.0.2.4", true, null), ep("192.0.2.5", null, true)));
    Thread.sleep(300); // nothing to wait for when right: give a wrong result time to show
    awaitPods(Set.of("192.0.2.2:8000", "192.0.2.4:8000"), REMOVAL_BOUND_MS, t0);

    // the slice is deleted: its pod leaves
    t0 = System.nanoTime();
    kube.discovery().v1().endpointSlices().inNamespace(ns).withName("tiny-pods-a").delete();
    long deleted = awaitPods(Set.of("192.0.2.4:8000"), REMOVAL_BOUND_MS, t0);
    LOG.infof(
        "pods left the pool %d ms (terminating) and %d ms (slice deleted) after the API call",
        terminating, deleted);
  }

  private static void put(KubernetesClient kube, String ns, EndpointSlice s) {
    kube.discovery().v1().endpointSlices().inNamespace(ns).resource(s).createOr(r -> r.update());
  }

  private long awaitPods(Set<String> ids, long boundMs) throws InterruptedException {
    return awaitPods(ids, boundMs, System.nanoTime());
  }

  /**
   * Milliseconds from {@code since} until the pool holds exactly {@code ids}, at most the bound.
   */
  private long awaitPods(Set<String> ids, long boundMs, long since) throws InterruptedException {
    long end = since + TimeUnit.MILLISECONDS.toNanos(boundMs);
    while (System.nanoTime() < end && !ids().equals(ids)) {
      Thread.sleep(10);
    }
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    assertThat(ids()).as("the pool's pods %d ms after the change", took).isEqualTo(ids);
    return took;
  }

  private Set<String> ids() {
    return pool.pods().stream().map(Pod::id).collect(Collectors.toSet());
  }

  private static Endpoint ep(String ip, Boolean ready, Boolean terminating) {
    return new EndpointBuilder()
        .withAddresses(ip)
        .withNewConditions()
        .withReady(ready)
        .withServing(terminating == null ? ready : Boolean.TRUE)
        .withTerminating(terminating)
        .endConditions()
        .build();
  }

  private static EndpointSlice slice(String name, String service, Endpoint... eps) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels(EndpointSliceSource.SERVICE_LABEL, service)
        // not the endpointslice controller's: it leaves slices managed by others alone
        .addToLabels("endpointslice.kubernetes.io/managed-by", "lorafleet-test")
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
