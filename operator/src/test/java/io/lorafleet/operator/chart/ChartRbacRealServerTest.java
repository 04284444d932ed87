package io.lorafleet.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.lorafleet.operator.testing.RealCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC as the real authorizer evaluates it for the chart's ServiceAccount (with a token
 * the API server issued): what the chart's comment promises about Secrets and pods holds.
 */
class ChartRbacRealServerTest {
  static KubernetesClient operator;
  static String namespace;

  @BeforeAll
  static void operatorClient() {
    RealCluster cluster = RealCluster.get();
    namespace = cluster.restrictedNamespace("rbac");
    Config config = cluster.operatorConfig();
    // Its deliberate 403s are probes, not the operator's requests (see OperatorRbacAuditIT).
    config.setUserAgent(RealCluster.PROBE_USER_AGENT);
    operator = new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterAll
  static void close() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void authenticatesAsTheChartServiceAccount() {
    assertThat(
            operator
                .authentication()
                .v1()
                .selfSubjectReviews()
                .create(new io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview())
                .getStatus()
                .getUserInfo()
                .getUsername())
        .isEqualTo(
            "system:serviceaccount:"
                + RealCluster.OPERATOR_NAMESPACE
                + ":"
                + RealCluster.get().operatorServiceAccount());
  }

  @Test
  void readsSecretsByNameOnlyAndNeverExecsIntoPods() {
    assertThat(allowed("", "secrets", "get", null)).isTrue();
    assertThat(allowed("", "secrets", "create", null)).isTrue();
    assertThat(allowed("", "secrets", "list", null)).isFalse();
    assertThat(allowed("", "secrets", "watch", null)).isFalse();
    assertThat(allowed("", "pods", "create", "exec")).isFalse();
    assertThat(allowed("", "pods", "delete", null)).isFalse();
  }

  @Test
  void managesItsWorkloadsAndWatchesItsResources() {
    assertThat(allowed("batch", "jobs", "create", null)).isTrue();
    assertThat(allowed("batch", "jobs", "patch", null)).isTrue();
    assertThat(allowed("apps", "deployments", "create", null)).isTrue();
    assertThat(allowed("lorafleet.io", "finetunejobs", "watch", null)).isTrue();
    assertThat(allowed("lorafleet.io", "finetunejobs", "patch", "status")).isTrue();
  }

  private static boolean allowed(String group, String resource, String verb, String subresource) {
    SelfSubjectAccessReview review =
        new SelfSubjectAccessReviewBuilder()
            .withNewSpec()
            .withNewResourceAttributes()
            .withNamespace(namespace)
            .withGroup(group)
            .withResource(resource)
            .withSubresource(subresource)
            .withVerb(verb)
            .endResourceAttributes()
            .endSpec()
            .build();
    return operator
        .authorization()
        .v1()
        .selfSubjectAccessReview()
        .create(review)
        .getStatus()
        .getAllowed();
  }
}
