package io.lorafleet.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatusAggregator;
import io.lorafleet.api.v1alpha1.common.ConditionStatus;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.basemodel.RouterResources;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.ServiceProxy;
import io.lorafleet.testcluster.kubelet.TestNetAddresses;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 end to end on the real control plane, through the router: the operator runs the pool
 * (real server processes) and its router (a real router process, the operator's Deployment, its
 * ServiceAccount and Role); the serving pods get test-range IPs (198.18.0.0/15 on lo), so the real
 * endpointslice controller publishes them in the EndpointSlices of the headless Service {@code
 * pods-<base>}, which the router watches with its own ServiceAccount token. Clients reach the
 * router through the pool's Service (the kube-proxy stand-in). Every request for every adapter
 * succeeds and reaches a pod that then holds it; a pod added to the pool joins the router's pool
 * and takes requests; a pod deleted (as in a rolling restart: SIGTERM, drain, a replacement) leaves
 * it; while a client keeps sending through both, no request fails (the router's own retries before
 * the first byte are allowed and reported; the client retries nothing).
 *
 * <p>Skipped, with the reason, where test-range addresses cannot be added to lo (not root, no
 * iproute2): loopback pod IPs never reach an EndpointSlice.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class RouterEndToEndTest {
  private static final String BASE = "tiny";

  /** Two kept warm on one pod, two on none (loaded where the router sends their first request). */
  private static final Map<String, Integer> ADAPTERS =
      new TreeMap<>(Map.of("warm-a", 1, "warm-b", 1, "cold-a", 0, "cold-b", 0));

  private static ProcessPool pool;

  @Inject OperatorConfig config;

  @BeforeAll
  static void poolWithAdapters() throws Exception {
    ProcessPool.assumeTestNetAddresses("the router end-to-end test");
    pool = ProcessPool.start("router-e2e", BASE);
    int seed = 11;
    for (String name : ADAPTERS.keySet()) {
      pool.publishAdapter(name, 4, seed++);
    }
  }

  @AfterAll
  static void stop() {
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void everyAdapterThroughTheRouterWhileThePoolGrowsAndAPodIsReplaced() throws Exception {
    Instant began = Instant.now();
    pool.startKubelet(OperatorImages.withRouter(config), TestNetAddresses.create());
    pool.createBaseModel(
        """
            replicas: 2
            adapterSlots: {maxLoaded: 4, maxCached: 8, maxRank: 8}
            resources: {requests: {cpu: 100m, memory: 1Gi}}
            router: {replicas: 1}
        """);
    ADAPTERS.forEach(pool::createAdapter);
    await()
        .atMost(Duration.ofMinutes(3))
        .untilAsserted(
            () -> {
              for (String name : ADAPTERS.keySet()) {
                LoraAdapter a = pool.adapter(name);
                assertThat(a.isReady()).as("%s Ready: %s", name, a.getStatus()).isTrue();
                assertThat(a.getStatus().registeredReplicas()).isEqualTo(2);
              }
              assertThat(routerReady()).as("RouterReady").isEqualTo("True");
            });

    try (ServiceProxy service =
        ServiceProxy.start(
            pool.client(),
            pool.namespace(),
            BaseModelResources.servingName(pool.baseModel()),
            "http")) {
      URI router = service.uri("/");
      // The real endpointslice controller published the serving pods, and the router (its
      // informer, with its own token) follows exactly them.
      Set<String> pods = awaitRouterFollowsSlices(router, 2);
      assertThat(pods).allMatch(p -> p.startsWith("198.1"));

      // Each adapter (and the base model) through the router: 200, from a pod of the pool that
      // then holds the adapter, with the text that pod gives for the same greedy request.
      for (String model : models()) {
        HttpResponse<String> routed = ProcessPool.complete(router, model);
        assertThat(routed.statusCode()).as("%s: %s", model, routed.body()).isEqualTo(200);
        String pod = routed.headers().firstValue("X-Lorafleet-Pod").orElseThrow();
        assertThat(pods).as("%s served by a pod of the slices", model).contains(pod);
        URI direct = URI.create("http://" + pod + "/");
        assertThat(ProcessPool.text(routed))
            .as("%s: same text through the router as on %s", model, pod)
            .isEqualTo(ProcessPool.text(ProcessPool.complete(direct, model)));
        if (!model.equals(BASE)) {
          assertThat(pool.loaded(direct)).as("%s loaded on %s", model, pod).containsKey(model);
        }
      }

      try (Traffic traffic = Traffic.start(router, models(), 2)) {
        // Scale 2 -> 3: the new pod enters the slices, the router's pool, and takes requests.
        pool.client()
            .resources(BaseModel.class)
            .inNamespace(pool.namespace())
            .withName(BASE)
            .patch(
                PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"serving\":{\"replicas\":3}}}");
        Set<String> three = awaitRouterFollowsSlices(router, 3);
        String added = new TreeSet<>(difference(three, pods)).first();
        awaitServedBy(router, added);

        // A pod deleted (what a rolling restart does to each pod): it leaves the router's pool,
        // a replacement joins it and takes requests.
        String leaving = new TreeSet<>(pods).first();
        String leavingName = podName(leaving);
        pool.client().pods().inNamespace(pool.namespace()).withName(leavingName).delete();
        Set<String> after = awaitRouterFollowsSlices(router, 3);
        assertThat(after).doesNotContain(leaving);
        String replacement = new TreeSet<>(difference(after, three)).first();
        awaitServedBy(router, replacement);
        await()
            .atMost(Duration.ofMinutes(2))
            .untilAsserted(
                () -> {
                  for (String name : ADAPTERS.keySet()) {
                    assertThat(pool.adapter(name).getStatus().registeredReplicas())
                        .as("%s registered on every pod", name)
                        .isEqualTo(3);
                  }
                });
        traffic.awaitMore(20);
        Traffic.Summary summary = traffic.stop();
        System.out.printf(
            "RouterEndToEndTest: %d requests through the router during scale-up and a pod"
                + " replacement, %d failed, per pod %s (first %s, added %s, deleted %s, then %s);"
                + " router retries %s; %d s in all%n",
            summary.total(),
            summary.failures().size(),
            summary.perPod(),
            new TreeSet<>(pods),
            added,
            leaving,
            new TreeSet<>(after),
            RouterView.retries(router),
            Duration.between(began, Instant.now()).toSeconds());
        assertThat(summary.failures()).as("failed requests").isEmpty();
        assertThat(summary.total()).isGreaterThan(20);
      }
    }
  }

  private static List<String> models() {
    List<String> models = new ArrayList<>(ADAPTERS.keySet());
    models.add(BASE);
    return models;
  }

  private String routerReady() {
    BaseModel base = pool.baseModel();
    if (base.getStatus() == null) {
      return null;
    }
    return base.getStatus().conditions().stream()
        .filter(c -> BaseModelStatusAggregator.ROUTER_READY.equals(c.type()))
        .map(c -> c.status() == ConditionStatus.TRUE ? "True" : String.valueOf(c.status()))
        .findFirst()
        .orElse(null);
  }

  /**
   * Waits until the pool has {@code count} ready serving pods, the EndpointSlices of {@code
   * pods-<base>} list exactly their addresses ready, and the router's routable pods are exactly
   * those; returns them as {@code ip:port}.
   */
  private Set<String> awaitRouterFollowsSlices(URI router, int count) {
    Set<String> result = new HashSet<>();
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              Set<String> servers =
                  pool.servers(config.servingPort()).values().stream()
                      .map(u -> u.getHost() + ":" + u.getPort())
                      .collect(Collectors.toSet());
              assertThat(servers).as("ready serving pods").hasSize(count);
              assertThat(sliceEndpoints()).as("EndpointSlices").isEqualTo(servers);
              assertThat(RouterView.routable(router))
                  .as("the router's routable pods")
                  .isEqualTo(servers);
              result.clear();
              result.addAll(servers);
            });
    return result;
  }

  /** Ready addresses of the headless Service's EndpointSlices, as ip:port. */
  private Set<String> sliceEndpoints() {
    Set<String> result = new HashSet<>();
    String service = RouterResources.podsServiceName(pool.baseModel());
    for (EndpointSlice slice :
        pool.client()
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(pool.namespace())
            .withLabel("kubernetes.io/service-name", service)
            .list()
            .getItems()) {
      if (slice.getEndpoints() == null || slice.getPorts() == null) {
        continue;
      }
      int port = slice.getPorts().getFirst().getPort();
      for (Endpoint e : slice.getEndpoints()) {
        if (e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady())) {
          result.add(e.getAddresses().getFirst() + ":" + port);
        }
      }
    }
    return result;
  }

  /**
   * Bursts of concurrent base-model requests until one lands on {@code pod}: the router sends the
   * base model to the least loaded pod, so concurrent requests spread over every routable pod.
   */
  private static void awaitServedBy(URI router, String pod) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              List<Thread> burst = new ArrayList<>();
              Set<String> served = ConcurrentHashMap.newKeySet();
              for (int i = 0; i < 6; i++) {
                burst.add(
                    Thread.ofVirtual()
                        .start(
                            () -> {
                              try {
                                HttpResponse<String> r = ProcessPool.complete(router, BASE);
                                r.headers().firstValue("X-Lorafleet-Pod").ifPresent(served::add);
                              } catch (Exception e) {
                                // counted by the traffic's client, not here
                              }
                            }));
              }
              for (Thread t : burst) {
                t.join();
              }
              return served.contains(pod);
            });
  }

  private String podName(String address) {
    String ip = address.substring(0, address.indexOf(':'));
    return pool
        .client()
        .pods()
        .inNamespace(pool.namespace())
        .withLabel(BaseModelResources.COMPONENT, BaseModelResources.SERVER)
        .list()
        .getItems()
        .stream()
        .filter(p -> ip.equals(p.getStatus().getPodIP()))
        .findFirst()
        .orElseThrow()
        .getMetadata()
        .getName();
  }

  private static Set<String> difference(Set<String> a, Set<String> b) {
    Set<String> result = new HashSet<>(a);
    result.removeAll(b);
    return result;
  }
}
