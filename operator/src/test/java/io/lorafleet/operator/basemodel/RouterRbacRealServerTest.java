package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.TestOperatorConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The router's objects on a real kube-apiserver (issue 18): the operator's own ServiceAccount (the
 * chart's RBAC) may create the router's Role and RoleBinding (the API server's escalation check:
 * one can only grant what one holds), the router's ServiceAccount may then list and watch
 * EndpointSlices and read LoraAdapters in its namespace and nothing else, and Pod Security
 * "restricted" admits the router pods the ReplicaSet controller makes.
 */
class RouterRbacRealServerTest {
  @Test
  void theRouterMayOnlyReadEndpointSlicesAndLoraAdaptersOfItsNamespace() {
    RealCluster cluster = RealCluster.get();
    String namespace = cluster.restrictedNamespace("router");
    String other = cluster.restrictedNamespace("other");
    BaseModel model =
        Serialization.unmarshal(
            """
            apiVersion: lorafleet.io/v1alpha1
            kind: BaseModel
            metadata: {name: base}
            spec:
              source: {uri: s3://models/tiny}
              serving:
                router: {replicas: 1}
            """,
            BaseModel.class);
    model.getMetadata().setNamespace(namespace);
    TestOperatorConfig config = new TestOperatorConfig();
    io.fabric8.kubernetes.client.Config asOperator = cluster.operatorConfig();
    // Made by this test, not by the operator process: kept out of OperatorRbacAuditIT's usage.
    asOperator.setUserAgent(RealCluster.PROBE_USER_AGENT);
    try (KubernetesClient operator = new KubernetesClientBuilder().withConfig(asOperator).build()) {
      operator.resource(RouterWorkload.serviceAccount(model)).create();
      operator.resource(RouterWorkload.role(model)).create();
      operator.resource(RouterWorkload.roleBinding(model)).create();
      operator.resource(RouterWorkload.disruptionBudget(model)).create();
      operator.resource(RouterWorkload.podsService(model, config)).create();
      operator.resource(RouterWorkload.deployment(model, config)).create();
    }
    try (KubernetesClient router =
        new KubernetesClientBuilder()
            .withConfig(
                cluster.plane().serviceAccountConfig(namespace, RouterResources.name(model)))
            .build()) {
      assertThat(allowed(router, namespace, "discovery.k8s.io", "endpointslices", "list")).isTrue();
      assertThat(allowed(router, namespace, "discovery.k8s.io", "endpointslices", "watch"))
          .isTrue();
      assertThat(router.discovery().v1().endpointSlices().inNamespace(namespace).list().getItems())
          .isNotNull();
      assertThat(allowed(router, namespace, "discovery.k8s.io", "endpointslices", "create"))
          .isFalse();
      assertThat(allowed(router, other, "discovery.k8s.io", "endpointslices", "list")).isFalse();
      // canary rollouts: it reads the LoraAdapters of its namespace (status.rollout), nothing more
      for (String verb : List.of("get", "list", "watch")) {
        assertThat(allowed(router, namespace, "lorafleet.io", "loraadapters", verb)).isTrue();
      }
      assertThat(router.resources(LoraAdapter.class).inNamespace(namespace).list().getItems())
          .isNotNull();
      assertThat(allowed(router, namespace, "lorafleet.io", "loraadapters", "patch")).isFalse();
      assertThat(allowed(router, other, "lorafleet.io", "loraadapters", "list")).isFalse();
      assertThat(allowed(router, namespace, "", "secrets", "get")).isFalse();
      assertThat(allowed(router, namespace, "", "pods", "list")).isFalse();
      assertThat(allowed(router, namespace, "", "services", "get")).isFalse();
    }
    // What the API server stored equals what the dependents build (no update on every reconcile).
    KubernetesClient stored = cluster.admin();
    Deployment storedRouter =
        stored
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withName(RouterResources.name(model))
            .get();
    assertThat(
            AdditionsOnly.upToDate(
                CanonicalQuantities.of(RouterWorkload.deployment(model, config)),
                CanonicalQuantities.of(storedRouter)))
        .as("router Deployment up to date")
        .isTrue();
    io.fabric8.kubernetes.api.model.Service headless = RouterWorkload.podsService(model, config);
    assertThat(
            AdditionsOnly.upToDate(
                headless,
                stored
                    .services()
                    .inNamespace(namespace)
                    .withName(headless.getMetadata().getName())
                    .get()))
        .as("headless Service up to date")
        .isTrue();
    // A real change is still one.
    BaseModel more =
        Serialization.unmarshal(
            Serialization.asYaml(model).replace("replicas: 1", "replicas: 3"), BaseModel.class);
    assertThat(
            AdditionsOnly.upToDate(
                CanonicalQuantities.of(RouterWorkload.deployment(more, config)),
                CanonicalQuantities.of(storedRouter)))
        .isFalse();
    // The ReplicaSet controller made the router pod: Pod Security "restricted" admitted it.
    KubernetesClient admin = cluster.admin();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !admin
                    .pods()
                    .inNamespace(namespace)
                    .withLabels(RouterResources.selector(model))
                    .list()
                    .getItems()
                    .isEmpty());
    admin.namespaces().withName(namespace).delete();
    admin.namespaces().withName(other).delete();
  }

  private static boolean allowed(
      KubernetesClient client, String namespace, String group, String resource, String verb) {
    return client
        .authorization()
        .v1()
        .selfSubjectAccessReview()
        .create(
            new SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withNewResourceAttributes()
                .withNamespace(namespace)
                .withGroup(group)
                .withResource(resource)
                .withVerb(verb)
                .endResourceAttributes()
                .endSpec()
                .build())
        .getStatus()
        .getAllowed();
  }
}
