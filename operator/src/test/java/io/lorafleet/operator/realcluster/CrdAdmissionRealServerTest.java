package io.lorafleet.operator.realcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.lorafleet.operator.testing.RealCluster;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs on a real API server: it accepts them (structural schema, CEL rules type
 * checked and within the cost budget) and serves them; the examples are admitted as written, and
 * their bad variants are refused with the rule's own message on the right field.
 */
class CrdAdmissionRealServerTest {
  private static final String S3 =
      "uri must start with s3:// followed by a bucket name (3-63 lowercase letters, digits, '.' or"
          + " '-') and an optional /prefix, e.g. s3://models/llama-3-8b";
  private static final String IMMUTABLE =
      "a FineTuneJob's spec is immutable after creation except 'suspend' and"
          + " 'deleteCheckpointsOnDeletion'; create a new FineTuneJob to train with other settings";

  static KubernetesClient admin;
  static String namespace;

  @BeforeAll
  static void cluster() {
    RealCluster cluster = RealCluster.get();
    admin = cluster.admin();
    namespace = cluster.restrictedNamespace("crds");
  }

  @Test
  void everyCommittedCrdIsEstablished() throws Exception {
    assertThat(RealCluster.committedCrds(admin))
        .hasSize(4)
        .allSatisfy(
            crd ->
                assertThat(
                        admin
                            .apiextensions()
                            .v1()
                            .customResourceDefinitions()
                            .withName(crd.getMetadata().getName())
                            .get()
                            .getStatus()
                            .getConditions())
                    .anyMatch(
                        c -> c.getType().equals("Established") && c.getStatus().equals("True")));
  }

  @Test
  void examplesAreAdmittedAndDefaulted() {
    create(example("basemodel.yaml", "admitted", m -> {}));
    GenericKubernetesResource run = create(example("finetunejob.yaml", "admitted", m -> {}));
    // Defaults come from the schema, filled in by the server (the example sets neither).
    assertThat(topSpec(run))
        .containsEntry("suspend", false)
        .containsEntry("deleteCheckpointsOnDeletion", false);
  }

  @Test
  void badSourceUriIsRefusedWithTheRuleMessage() {
    assertRejected(
        example(
            "basemodel.yaml",
            "https-source",
            m -> spec(m, "source").put("uri", "https://models/x")),
        "spec.source.uri",
        S3);
  }

  @Test
  void hostTierSmallerThanDeviceTierIsRefused() {
    assertRejected(
        example(
            "basemodel.yaml",
            "tiers",
            m ->
                spec(m, "serving")
                    .put("adapterSlots", Map.of("maxLoaded", 16, "maxCached", 8, "maxRank", 64))),
        "spec.serving.adapterSlots.maxCached",
        "maxCached (host-memory tier) must be at least maxLoaded (device tier)");
  }

  @Test
  void shortDigestIsRefused() {
    assertRejected(
        example("basemodel.yaml", "digest", m -> spec(m, "source").put("digest", "sha256:abc")),
        "spec.source.digest",
        "digest must be 'sha256:' followed by 64 lowercase hex digits");
  }

  /**
   * The pod-setting rules (review C2) as the real CEL evaluator runs them: the cel-java tests only
   * emulate {@code isQuantity}, so its acceptance and refusals are checked here too.
   */
  @Test
  void podSettingsTheApiServerWouldRefuseInAPodAreRefusedOnTheResource() {
    create(
        example(
            "basemodel.yaml",
            "good-quantities",
            m ->
                spec(m, "serving")
                    .put(
                        "resources",
                        Map.of(
                            "requests",
                                Map.of("cpu", "500m", "memory", "1.5e9", "nvidia.com/gpu", 1),
                            "limits", Map.of("nvidia.com/gpu", "1")))));
    assertRejected(
        example(
            "basemodel.yaml",
            "bad-quantity",
            m -> spec(m, "serving").put("resources", Map.of("requests", Map.of("cpu", "4 cores")))),
        "spec.serving.resources.requests",
        "each request must be a Kubernetes quantity");
    assertRejected(
        example(
            "basemodel.yaml",
            "gpu-overcommit",
            m ->
                spec(m, "serving")
                    .put(
                        "resources",
                        Map.of(
                            "requests", Map.of("nvidia.com/gpu", 1),
                            "limits", Map.of("nvidia.com/gpu", 2)))),
        "spec.serving.resources.requests",
        "cannot be overcommitted");
    assertRejected(
        example(
            "basemodel.yaml",
            "exists-with-value",
            m ->
                spec(m, "serving")
                    .put(
                        "tolerations",
                        List.of(Map.of("key", "gpu", "operator", "Exists", "value", "a100")))),
        "spec.serving.tolerations[0].value",
        "value must be empty when operator is Exists");
  }

  /**
   * Merge patches without a resourceVersion, as {@code kubectl patch} sends: a read-modify-PUT got
   * 409 whenever the operator (running in the same JVM after the Quarkus real-plane tests) added
   * its finalizer or status in between.
   */
  @Test
  void fineTuneJobSpecIsImmutableExceptSuspend() {
    GenericKubernetesResource created = create(example("finetunejob.yaml", "immutable", m -> {}));
    var resource =
        admin
            .genericKubernetesResources(created.getApiVersion(), created.getKind())
            .inNamespace(namespace)
            .withName("immutable");
    assertThatThrownBy(
            () ->
                resource.patch(
                    PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"lora\":{\"rank\":32}}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining(IMMUTABLE);
    assertThat(
            resource
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"suspend\":true}}")
                .getMetadata()
                .getGeneration())
        .isEqualTo(2L);
  }

  private static void assertRejected(GenericKubernetesResource bad, String field, String message) {
    assertThatThrownBy(() -> admin.resource(bad).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining(field + ": Invalid value")
        .hasMessageContaining(message);
  }

  private static GenericKubernetesResource create(GenericKubernetesResource resource) {
    return admin.resource(resource).create();
  }

  /** An example manifest under a new name in the test namespace, changed by {@code change}. */
  private static GenericKubernetesResource example(
      String file, String name, Consumer<GenericKubernetesResource> change) {
    GenericKubernetesResource resource =
        admin
            .genericKubernetesResources("lorafleet.io/v1alpha1", kindOf(file))
            .load(RealCluster.root().resolve("examples").resolve(file).toFile())
            .item();
    resource.getMetadata().setName(name);
    resource.getMetadata().setNamespace(namespace);
    change.accept(resource);
    return resource;
  }

  private static String kindOf(String file) {
    return switch (file) {
      case "basemodel.yaml" -> "BaseModel";
      case "finetunejob.yaml" -> "FineTuneJob";
      default -> throw new IllegalArgumentException(file);
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> topSpec(GenericKubernetesResource resource) {
    return (Map<String, Object>) resource.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource resource, String field) {
    return (Map<String, Object>) topSpec(resource).get(field);
  }
}
