package io.lorafleet.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelStatusAggregator;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionStatus;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.ResidentCopy;
import io.lorafleet.operator.basemodel.BaseModelResources;
import io.lorafleet.operator.config.OperatorConfig;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.ServiceProxy;
import io.lorafleet.testcluster.kubelet.TestNetAddresses;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.serving.inferenceAuth} end to end on the real control plane, with real router and
 * server processes: while its Secret is missing the pool starts nothing and says why; then every
 * request through the pool's Service, and straight to a serving pod, needs the token; the operator
 * still registers, loads and sees its adapters on the pods (it reads their state with the admin
 * token, never the inference token) and its canary analysis still reads the router's rollout counts
 * (open, as /metrics is); a rotated Secret takes effect without a restart; the token appears in no
 * status and no Event.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class InferenceAuthEndToEndTest {
  private static final String BASE = "tiny";
  private static final String SECRET = "pool-token";
  private static final String FIRST = "sk-pool-first-7d41c0a9e2";
  private static final String SECOND = "sk-pool-second-0b3f96c58a";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One kept warm on one pod, one on none (loaded where its first request is sent). */
  private static final Map<String, Integer> ADAPTERS = Map.of("warm", 1, "cold", 0);

  private static ProcessPool pool;

  @Inject OperatorConfig config;

  @BeforeAll
  static void published() throws Exception {
    ProcessPool.assumeTestNetAddresses("the inference-auth end-to-end test");
    pool = ProcessPool.start("auth-e2e", BASE);
    pool.publishAdapter("warm", 4, 31);
    pool.publishAdapter("cold", 4, 32);
  }

  @AfterAll
  static void stop() {
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void theTokenGuardsThePoolAndARotationTakesEffect() throws Exception {
    pool.startKubelet(OperatorImages.withRouter(config), TestNetAddresses.create());
    pool.createBaseModel(
        """
            replicas: 2
            adapterSlots: {maxLoaded: 4, maxCached: 8, maxRank: 8}
            resources: {requests: {cpu: 100m, memory: 1Gi}}
            router: {replicas: 1}
            inferenceAuth: {secretName: pool-token}
        """);

    // No Secret yet: a precise reason, and no pod that could never mount it.
    await()
        .atMost(Duration.ofMinutes(1))
        .untilAsserted(
            () -> {
              Condition ready = condition(pool.baseModel(), ConditionType.Ready.name());
              assertThat(ready).as("Ready of %s", pool.baseModel().getStatus()).isNotNull();
              assertThat(ready.status()).isEqualTo(ConditionStatus.FALSE);
              assertThat(ready.reason()).isEqualTo("InferenceTokenSecretNotFound");
              assertThat(ready.message())
                  .isEqualTo(
                      "Secret pool-token (spec.serving.inferenceAuth) not found in namespace "
                          + pool.namespace());
            });
    assertThat(servingDeployment()).as("serving Deployment while the Secret is missing").isNull();

    writeToken(FIRST);
    ADAPTERS.forEach(pool::createAdapter);
    await()
        .atMost(Duration.ofMinutes(4))
        .untilAsserted(
            () -> {
              for (String name : ADAPTERS.keySet()) {
                LoraAdapter a = pool.adapter(name);
                assertThat(a.isReady()).as("%s Ready: %s", name, a.getStatus()).isTrue();
                assertThat(a.getStatus().registeredReplicas()).isEqualTo(2);
              }
              // what the pods report, read by the operator with its admin token
              assertThat(pool.adapter("warm").getStatus().residency())
                  .as("warm's residency, from the pods' state")
                  .extracting(ResidentCopy::kind)
                  .contains(ResidentCopy.CopyKind.Warm);
              Condition router =
                  condition(pool.baseModel(), BaseModelStatusAggregator.ROUTER_READY);
              assertThat(router).isNotNull();
              assertThat(router.status()).isEqualTo(ConditionStatus.TRUE);
            });

    List<String> models = List.of("warm", "cold", BASE);
    try (ServiceProxy service = pool.routerService()) {
      URI router = service.uri("/");
      await()
          .atMost(Duration.ofMinutes(1))
          .untilAsserted(
              () ->
                  assertThat(ProcessPool.complete(router, BASE, FIRST).statusCode())
                      .isEqualTo(200));
      for (String model : models) {
        assertRefused(ProcessPool.complete(router, model, null), model + " without a token");
        assertRefused(ProcessPool.complete(router, model, FIRST + "x"), model + " wrong token");
        HttpResponse<String> ok = ProcessPool.complete(router, model, FIRST);
        assertThat(ok.statusCode()).as("%s with the token: %s", model, ok.body()).isEqualTo(200);
      }
      // What the operator's canary analysis reads from every router pod, without the token.
      try (HttpClient http = HttpClient.newHttpClient()) {
        HttpResponse<String> rollouts =
            http.send(
                HttpRequest.newBuilder(router.resolve("/v1/router/rollouts")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(rollouts.statusCode()).as(rollouts.body()).isEqualTo(200);
      }
      for (URI pod : pool.servers(config.servingPort()).values()) {
        assertRefused(ProcessPool.complete(pod, "warm", null), "straight to " + pod);
        assertThat(ProcessPool.complete(pod, "warm", FIRST).statusCode()).isEqualTo(200);
      }

      // Rotation: the kubelet rewrites the mounted files; nothing restarts.
      writeToken(SECOND);
      await()
          .atMost(Duration.ofMinutes(1))
          .untilAsserted(
              () -> {
                for (String model : models) {
                  assertThat(ProcessPool.complete(router, model, SECOND).statusCode())
                      .as("%s with the new token", model)
                      .isEqualTo(200);
                  assertRefused(
                      ProcessPool.complete(router, model, FIRST), model + " with the old token");
                }
              });
    }

    String statuses =
        Serialization.asJson(pool.baseModel().getStatus())
            + ADAPTERS.keySet().stream()
                .map(a -> Serialization.asJson(pool.adapter(a).getStatus()))
                .toList();
    String events =
        Serialization.asJson(pool.client().v1().events().inNamespace(pool.namespace()).list());
    for (String token : List.of(FIRST, SECOND)) {
      assertThat(statuses).doesNotContain(token);
      assertThat(events).doesNotContain(token);
    }
  }

  private static void assertRefused(HttpResponse<String> response, String what) throws Exception {
    assertThat(response.statusCode()).as("%s: %s", what, response.body()).isEqualTo(401);
    assertThat(JSON.readTree(response.body()).at("/error/code").asText())
        .as(what)
        .isEqualTo("invalid_api_key");
    assertThat(response.body()).doesNotContain(FIRST).doesNotContain(SECOND);
  }

  private static void writeToken(String token) {
    pool.client()
        .secrets()
        .inNamespace(pool.namespace())
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(SECRET)
                .endMetadata()
                .withStringData(Map.of("token", token))
                .build())
        .serverSideApply();
  }

  private static Deployment servingDeployment() {
    return pool.client()
        .apps()
        .deployments()
        .inNamespace(pool.namespace())
        .withName(BaseModelResources.servingName(pool.baseModel()))
        .get();
  }

  private static Condition condition(BaseModel model, String type) {
    if (model.getStatus() == null || model.getStatus().conditions() == null) {
      return null;
    }
    return model.getStatus().conditions().stream()
        .filter(c -> type.equals(c.type()))
        .findFirst()
        .orElse(null);
  }
}
