package io.lorafleet.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatusAggregator;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.basemodel.RouterResources;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.PodAddresses;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 on the real control plane, operator side: a builtin pool of two real server processes
 * (kubelet stand-in), one adapter kept warm on one pod ({@code replicas: 1}) and one on none
 * ({@code replicas: 0}). Every pod gets both registered, so a request for either adapter succeeds
 * on either pod (the pod loads it on demand); a replacement pod gets them registered again; a
 * deleted adapter is unregistered everywhere (then 404). The router's objects are accepted by the
 * real API server (RBAC escalation check included: the operator grants the router's Role with its
 * own ServiceAccount), and the BaseModel reports RouterReady.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class PoolRegistrationEndToEndTest {
  private static final String BASE = "tiny";
  private static ProcessPool pool;
  private static String namespace;
  private static String warmDigest;
  private static String coldDigest;

  @Inject OperatorConfig config;

  private final KubernetesClient client = RealCluster.get().admin();

  @BeforeAll
  static void modelAndAdapters() throws Exception {
    pool = ProcessPool.start("pool", BASE);
    namespace = pool.namespace();
    warmDigest = pool.publishAdapter("warm", 4, 1);
    coldDigest = pool.publishAdapter("cold", 4, 2);
  }

  @AfterAll
  static void stop() {
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void everyPodServesEveryAdapterOfThePoolAndTheRouterObjectsAreAccepted() throws Exception {
    pool.startKubelet(OperatorImages.of(config), PodAddresses.loopback());
    pool.createBaseModel(
        """
            replicas: 2
            adapterSlots: {maxLoaded: 2, maxCached: 4, maxRank: 8}
            resources: {requests: {cpu: 100m, memory: 1Gi}}
        """);
    pool.createAdapter("warm", 1);
    pool.createAdapter("cold", 0);

    // Both adapters Ready: the warm one loaded on one pod, both registered on both pods.
    await()
        .atMost(Duration.ofMinutes(4))
        .untilAsserted(
            () -> {
              for (String name : new String[] {"warm", "cold"}) {
                LoraAdapter a = pool.adapter(name);
                assertThat(a.isReady()).as("%s Ready: %s", name, a.getStatus()).isTrue();
                assertThat(a.getStatus().registeredReplicas()).isEqualTo(2);
              }
              assertThat(pool.adapter("warm").getStatus().readyReplicas()).isEqualTo(1);
              assertThat(pool.adapter("cold").getStatus().readyReplicas()).isZero();
            });
    Map<String, URI> pods = servers();
    assertThat(pods).hasSize(2);
    for (URI pod : pods.values()) {
      assertThat(pool.registered(pod))
          .containsEntry("warm", warmDigest)
          .containsEntry("cold", coldDigest);
    }
    assertThat(pods.values().stream().filter(p -> pool.loaded(p).containsKey("warm")))
        .as("one warm copy")
        .hasSize(1);

    // Each adapter answers on each pod: a pod without a copy loads it on the request.
    for (URI pod : pods.values()) {
      for (String name : new String[] {"warm", "cold"}) {
        assertThat(complete(pod, name)).as("%s on %s", name, pod).isEqualTo(200);
      }
    }

    // A replaced pod (the ReplicaSet makes a new one) gets both registered again.
    String lost = pods.keySet().iterator().next();
    client.pods().inNamespace(namespace).withName(lost).delete();
    await()
        .atMost(Duration.ofMinutes(3))
        .untilAsserted(
            () -> {
              Map<String, URI> now = servers();
              assertThat(now).hasSize(2).doesNotContainKey(lost);
              for (URI pod : now.values()) {
                assertThat(pool.registered(pod)).containsKeys("warm", "cold");
              }
            });
    // The router's objects, as the API server accepted them from the operator's ServiceAccount.
    BaseModel base = pool.baseModel();
    String router = RouterResources.name(base);
    Deployment deployment =
        client.apps().deployments().inNamespace(namespace).withName(router).get();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(client.serviceAccounts().inNamespace(namespace).withName(router).get()).isNotNull();
    assertThat(client.rbac().roles().inNamespace(namespace).withName(router).get()).isNotNull();
    assertThat(client.rbac().roleBindings().inNamespace(namespace).withName(router).get())
        .isNotNull();
    assertThat(
            client
                .policy()
                .v1()
                .podDisruptionBudget()
                .inNamespace(namespace)
                .withName(router)
                .get())
        .isNotNull();
    // The serving pool's budget, as the real disruption controller reads it: of the 2 ready
    // serving pods one may be evicted (a node drain takes them one at a time).
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              var budget =
                  client
                      .policy()
                      .v1()
                      .podDisruptionBudget()
                      .inNamespace(namespace)
                      .withName(BaseModelResources.servingName(base))
                      .get();
              assertThat(budget).as("serving PodDisruptionBudget").isNotNull();
              assertThat(budget.getSpec().getSelector().getMatchLabels())
                  .isEqualTo(BaseModelResources.selector(base));
              assertThat(budget.getStatus().getExpectedPods()).isEqualTo(2);
              assertThat(budget.getStatus().getCurrentHealthy()).isEqualTo(2);
              assertThat(budget.getStatus().getDisruptionsAllowed()).isEqualTo(1);
            });
    Service headless =
        client
            .services()
            .inNamespace(namespace)
            .withName(RouterResources.podsServiceName(base))
            .get();
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    Service pub =
        client
            .services()
            .inNamespace(namespace)
            .withName(BaseModelResources.servingName(base))
            .get();
    assertThat(pub.getSpec().getSelector()).isEqualTo(RouterResources.selector(base));
    // No router image runs in this test: the condition says so, for the current generation.
    Condition routerReady =
        base.getStatus().conditions().stream()
            .filter(c -> BaseModelStatusAggregator.ROUTER_READY.equals(c.type()))
            .findFirst()
            .orElseThrow();
    assertThat(routerReady.observedGeneration()).isEqualTo(base.getMetadata().getGeneration());
    assertThat(routerReady.reason()).isEqualTo("RouterStarting");

    // Deleting an adapter unregisters it everywhere: it is then unknown to every pod.
    client.resources(LoraAdapter.class).inNamespace(namespace).withName("cold").delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> pool.adapter("cold") == null);
    for (URI pod : servers().values()) {
      assertThat(pool.registered(pod)).doesNotContainKey("cold").containsKey("warm");
      assertThat(complete(pod, "cold")).isEqualTo(404);
    }
  }

  /** The ready serving pods: name to address. */
  private Map<String, URI> servers() {
    return pool.servers(config.servingPort());
  }

  /** The HTTP status of a short greedy completion for {@code model} on the pod. */
  private static int complete(URI pod, String model) throws Exception {
    return ProcessPool.complete(pod, model).statusCode();
  }
}
