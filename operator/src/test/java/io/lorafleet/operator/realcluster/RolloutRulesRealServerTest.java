package io.lorafleet.operator.realcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.lorafleet.operator.testing.RealCluster;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@code spec.serving.rollout} (review T4) as kube-apiserver 1.34's own CEL evaluator
 * runs them on int-or-string values: the cel-java tests in api/ treat {@code self} as dynamic.
 */
class RolloutRulesRealServerTest {
  static KubernetesClient admin;
  static String namespace;

  @BeforeAll
  static void cluster() {
    RealCluster cluster = RealCluster.get();
    admin = cluster.admin();
    namespace = cluster.restrictedNamespace("rollout");
  }

  @Test
  void numbersAndPercentagesAreAdmittedAndARolloutThatCannotProgressIsRefused() {
    admin.resource(model("gpu", Map.of("maxSurge", 0, "maxUnavailable", 1))).create();
    admin.resource(model("percent", Map.of("maxSurge", "50%", "maxUnavailable", "0%"))).create();
    admin.resource(model("surge-only", Map.of("maxSurge", 0))).create();
    assertRejected(
        model("word", Map.of("maxSurge", "two")),
        "spec.serving.rollout.maxSurge",
        "maxSurge must be a number >= 0 or a percentage such as 25%");
    assertRejected(
        model("negative", Map.of("maxUnavailable", -1)),
        "spec.serving.rollout.maxUnavailable",
        "maxUnavailable must be a number >= 0 or a percentage such as 25%");
    assertRejected(
        model("stuck", Map.of("maxSurge", 0, "maxUnavailable", "0%")),
        "spec.serving.rollout",
        "maxSurge and maxUnavailable cannot both be 0");
  }

  private static void assertRejected(GenericKubernetesResource bad, String field, String message) {
    assertThatThrownBy(() -> admin.resource(bad).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining(field + ": Invalid value")
        .hasMessageContaining(message);
  }

  private static GenericKubernetesResource model(String name, Map<String, Object> rollout) {
    GenericKubernetesResource model = new GenericKubernetesResource();
    model.setApiVersion("lorafleet.io/v1alpha1");
    model.setKind("BaseModel");
    model.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .build());
    model.setAdditionalProperty(
        "spec",
        Map.of(
            "source",
            Map.of("uri", "s3://models/tiny"),
            "serving",
            Map.of("replicas", 2, "rollout", rollout)));
    return model;
  }
}
