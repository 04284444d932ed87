package io.lorafleet.operator.basemodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.basemodel.AdapterSlots;
import io.lorafleet.api.v1alpha1.basemodel.BaseModel;
import io.lorafleet.api.v1alpha1.basemodel.BaseModelSpec;
import io.lorafleet.api.v1alpha1.basemodel.PodCapacity;
import io.lorafleet.api.v1alpha1.basemodel.ServingRuntime;
import io.lorafleet.api.v1alpha1.basemodel.ServingSpec;
import io.lorafleet.api.v1alpha1.common.ArtifactSource;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.common.LocalReference;
import io.lorafleet.api.v1alpha1.common.Placement;
import io.lorafleet.api.v1alpha1.common.PlacementStrategy;
import io.lorafleet.api.v1alpha1.common.SecretReference;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapter;
import io.lorafleet.api.v1alpha1.loraadapter.LoraAdapterSpec;
import io.lorafleet.operator.testing.EmbeddedObjectStore;
import io.lorafleet.operator.testing.RealCluster;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.lorafleet.operator.testing.TestArtifacts;
import io.lorafleet.testcluster.AuditEvent;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BaseModel reconciliation on the real control plane (RealCluster): the operator as the chart's
 * ServiceAccount in a Pod Security "restricted" namespace, the committed CRDs, the real Deployment
 * and ReplicaSet controllers and scheduler, and serving pods run by the kubelet stand-in (simulated
 * runtime with a fake admin API on each pod's IP, see ServingPods), against a real S3 server on
 * loopback. The API server's 422 comes from a real ValidatingAdmissionPolicy, its 409 from a
 * Deployment of someone else's that holds the serving Deployment's name.
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class BaseModelReconcilerTest extends RealClusterTestBase {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  @jakarta.inject.Inject io.lorafleet.operator.config.OperatorConfig config;

  @Override
  protected String namespacePrefix() {
    return "bm";
  }

  @BeforeAll
  static void moreModels() throws Exception {
    var s3 = objectStore.client();
    s3.putBytes(
        "models",
        "tiny/model.safetensors",
        new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
    s3.putBytes(
        "models", "broken/config.json", "{\"model_type\": ".getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void theCaptureSawTheOutage() {
    assertTheCaptureSawTheOutages();
  }

  private Secret credentials(String endpoint) {
    Secret secret = objectStore.credentialsSecret(namespace, "s3", endpoint);
    return admin.secrets().inNamespace(namespace).resource(secret).createOr(s -> s.update());
  }

  private BaseModel apply(String name, String uri, String digest, ServingRuntime runtime) {
    BaseModel model = new BaseModel();
    model.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    model.setSpec(
        new BaseModelSpec(
            new ArtifactSource(uri, new SecretReference("s3"), digest),
            new ServingSpec(2, runtime, null, null, null, null, new AdapterSlots(4, 16, 32))));
    return admin.resource(model).create();
  }

  private BaseModel get(String name) {
    return admin.resources(BaseModel.class).inNamespace(namespace).withName(name).get();
  }

  private Condition awaitCondition(String name, ConditionType type, String reason) {
    await()
        .atMost(
            Duration.ofSeconds(
                60)) // real controllers, scheduler and probes: seconds on a busy machine
        .untilAsserted(
            () -> {
              BaseModel model = get(name);
              assertThat(model.getStatus()).isNotNull();
              assertThat(model.getStatus().condition(type).map(Condition::reason)).contains(reason);
            });
    return get(name).getStatus().condition(type).orElseThrow();
  }

  private List<String> eventReasons(String name) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> e.getInvolvedObject().getName().equals(name))
        .map(e -> e.getType() + "/" + e.getReason())
        .toList();
  }

  @Test
  void resolvesTheModelAndRunsAReadyServingPool() {
    credentials(objectStore.endpoint());
    apply("tiny", "s3://models/tiny", null, ServingRuntime.BUILTIN);

    Condition ready = awaitCondition("tiny", ConditionType.Ready, "Available");
    assertThat(ready.isTrue()).isTrue();
    assertThat(ready.message()).isEqualTo("2/2 serving pods ready");
    BaseModel model = get("tiny");
    assertThat(model.isReady()).isTrue();
    assertThat(model.getStatus().digest()).matches("sha256:[0-9a-f]{64}");
    assertThat(model.getStatus().architecture().architecture()).isEqualTo("LlamaForCausalLM");
    assertThat(model.getStatus().architecture().numKeyValueHeads()).isEqualTo(2);
    assertThat(model.getStatus().architecture().linearModules())
        .anySatisfy(
            m -> {
              assertThat(m.name()).isEqualTo("k_proj");
              assertThat(m.outFeatures()).isEqualTo(32); // 2 KV heads x head_dim 16
              assertThat(m.inFeatures()).isEqualTo(64);
            });

    Deployment deployment =
        admin.apps().deployments().inNamespace(namespace).withName("serving-tiny").get();
    assertThat(deployment.getMetadata().getOwnerReferences().getFirst().getName())
        .isEqualTo("tiny");
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(container.getArgs()).containsSequence("--max-loaded", "4", "--max-cached", "16");
    assertThat(container.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("AWS_SECRET_ACCESS_KEY");
              assertThat(e.getValue()).isNull();
              assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3");
            });
    Service service = admin.services().inNamespace(namespace).withName("serving-tiny").get();
    assertThat(service.getSpec().getSelector())
        .containsEntry(BaseModelResources.BASE_MODEL, "tiny");
    Secret token = admin.secrets().inNamespace(namespace).withName("admin-token-tiny").get();
    assertThat(token.getMetadata().getOwnerReferences().getFirst().getUid())
        .isEqualTo(model.getMetadata().getUid());
    assertThat(eventReasons("tiny")).contains("Normal/Available");
    assertNoSecretInClusterObjects();
  }

  @Test
  void reportsTheAdapterSlotsOfEachPodAsTheOperatorPlacedThem() throws Exception {
    credentials(objectStore.endpoint());
    apply("slots", "s3://models/tiny", null, ServingRuntime.BUILTIN);
    awaitCondition("slots", ConditionType.Ready, "Available");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get("slots").getStatus().capacity())
                    .hasSize(2)
                    .allSatisfy(
                        c -> {
                          assertThat(c.slotsUsed()).isZero();
                          assertThat(c.slotsFree()).isEqualTo(16); // adapterSlots.maxCached
                        }));
    List<String> pods = get("slots").getStatus().capacity().stream().map(PodCapacity::pod).toList();
    assertThat(pods)
        .isSorted()
        .containsExactlyInAnyOrderElementsOf(kubelet.servers(namespace, "slots").keySet());

    // One adapter on one pod: that pod has one slot taken, the other none.
    var version =
        TestArtifacts.publishAdapter(
            objectStore.client(), "s3://adapters/" + namespace + "/one", 4, 11);
    LoraAdapter adapter = new LoraAdapter();
    adapter.setMetadata(new ObjectMetaBuilder().withName("one").withNamespace(namespace).build());
    adapter.setSpec(
        new LoraAdapterSpec(
            new LocalReference("slots"),
            new ArtifactSource(version.uri().toString(), new SecretReference("s3"), null),
            new Placement(new IntOrString(1), PlacementStrategy.FEWEST_ADAPTERS),
            null,
            false));
    admin.resource(adapter).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<String> holders =
                  kubelet.servers(namespace, "slots").entrySet().stream()
                      .filter(e -> e.getValue().loaded().containsKey("one"))
                      .map(java.util.Map.Entry::getKey)
                      .toList();
              assertThat(holders).hasSize(1);
              String holder = holders.getFirst();
              assertThat(get("slots").getStatus().capacity())
                  .containsExactlyInAnyOrderElementsOf(
                      pods.stream()
                          .map(
                              pod ->
                                  pod.equals(holder)
                                      ? new PodCapacity(pod, 1, 15)
                                      : new PodCapacity(pod, 0, 16))
                          .toList());
            });

    // Unloaded on deletion: the slot is free again.
    admin.resource(adapter).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(get("slots").getStatus().capacity())
                    .extracting(PodCapacity::slotsUsed)
                    .containsOnly(0));
  }

  @Test
  void aMissingCredentialsSecretBlocksWithItsReasonAndStartsNoPods() {
    admin.secrets().inNamespace(namespace).withName("s3").delete();
    apply("no-secret", "s3://models/tiny", null, ServingRuntime.BUILTIN);
    Condition degraded =
        awaitCondition("no-secret", ConditionType.Degraded, "CredentialsSecretNotFound");
    assertThat(degraded.isTrue()).isTrue();
    assertThat(degraded.message()).isEqualTo("Secret s3 not found in namespace " + namespace);
    assertThat(get("no-secret").getStatus().condition(ConditionType.Ready).orElseThrow().isTrue())
        .isFalse();
    assertThat(admin.apps().deployments().inNamespace(namespace).list().getItems()).isEmpty();
    await()
        .untilAsserted(
            () ->
                assertThat(eventReasons("no-secret"))
                    .contains("Warning/CredentialsSecretNotFound"));
  }

  @Test
  void aSourceWithoutConfigIsArtifactNotFound() {
    credentials(objectStore.endpoint());
    apply("missing", "s3://models/nothing-here", null, ServingRuntime.BUILTIN);
    Condition ready = awaitCondition("missing", ConditionType.Ready, "ArtifactNotFound");
    assertThat(ready.message()).contains("no config.json");
  }

  @Test
  void aMalformedConfigIsInvalidModelConfig() {
    credentials(objectStore.endpoint());
    apply("broken", "s3://models/broken", null, ServingRuntime.BUILTIN);
    awaitCondition("broken", ConditionType.Ready, "InvalidModelConfig");
  }

  @Test
  void aPinnedDigestThatDiffersIsDigestMismatch() {
    credentials(objectStore.endpoint());
    apply("pinned", "s3://models/tiny", "sha256:" + "0".repeat(64), ServingRuntime.BUILTIN);
    Condition ready = awaitCondition("pinned", ConditionType.Ready, "DigestMismatch");
    assertThat(ready.message()).contains("spec pins sha256:" + "0".repeat(64));
  }

  @Test
  void anUnreachableObjectStoreDegradesAndRecoversWhenItIsBack() {
    credentials("http://127.0.0.1:9"); // nothing listens on the discard port
    apply("outage", "s3://models/tiny", null, ServingRuntime.VLLM);
    Condition degraded = awaitCondition("outage", ConditionType.Degraded, "ObjectStoreUnavailable");
    assertThat(degraded.isTrue()).isTrue();
    await()
        .untilAsserted(
            () -> assertThat(eventReasons("outage")).contains("Warning/ObjectStoreUnavailable"));

    credentials(objectStore.endpoint()); // the retry with back-off picks the fix up
    awaitCondition("outage", ConditionType.Ready, "Available");
    assertThat(get("outage").getStatus().condition(ConditionType.Degraded).orElseThrow().isTrue())
        .isFalse();
    var container =
        admin
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withName("serving-outage")
            .get()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .getFirst();
    assertThat(container.getArgs())
        .containsSequence("--max-loras", "4", "--max-cpu-loras", "16", "--max-lora-rank", "32");
    assertNoSecretInClusterObjects();
  }

  /**
   * Review C2/S2: the API server refuses the serving Deployment (422), here through a real
   * ValidatingAdmissionPolicy, as a cluster's policy would refuse a value it forbids. That is a
   * permanent problem of the spec: Degraded with the API server's own message, not the transient
   * ReconcileFailed retried in a loop.
   */
  @Test
  void aDeploymentTheApiServerRejectsIsAPermanentReasonWithItsMessage() {
    String policy = "deny-deployments-" + namespace;
    admin.resource(denyDeploymentsIn(policy)).create();
    admin.resource(bindingOf(policy)).create();
    try {
      String message = awaitTheServersRefusal("serving-rejected");
      apply("rejected", "s3://models/tiny", null, ServingRuntime.BUILTIN);
      Condition degraded =
          awaitCondition("rejected", ConditionType.Degraded, "RejectedByApiServer");
      assertThat(degraded.isTrue()).isTrue();
      assertThat(degraded.message()).isEqualTo(message);
      assertThat(get("rejected").getStatus().condition(ConditionType.Ready).orElseThrow().isTrue())
          .isFalse();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(eventReasons("rejected")).contains("Warning/RejectedByApiServer"));
    } finally {
      admin.resource(bindingOf(policy)).delete();
      admin.resource(denyDeploymentsIn(policy)).delete();
    }
  }

  /**
   * Review S2: the serving Deployment's create answers 409 AlreadyExists (here a Deployment of that
   * name that is not the operator's, a real server's answer): a retry, not a Degraded BaseModel nor
   * a Warning; once the name is free the operator creates its own and the pool becomes Available.
   */
  @Test
  void aConflictOnTheDeploymentIsRetriedWithoutDegradedOrWarnings() {
    admin
        .apps()
        .deployments()
        .inNamespace(namespace)
        .resource(squatter("serving-contended"))
        .create();
    apply("contended", "s3://models/tiny", null, ServingRuntime.BUILTIN);
    // Two refusals: the first has been handled (status, events) when the retry comes.
    await().atMost(Duration.ofSeconds(60)).until(() -> operatorCreates("deployments", 409) >= 2);
    BaseModel during = get("contended");
    if (during.getStatus() != null) {
      assertThat(during.getStatus().condition(ConditionType.Degraded).filter(Condition::isTrue))
          .as("Degraded while the name is taken")
          .isEmpty();
    }
    admin.apps().deployments().inNamespace(namespace).withName("serving-contended").delete();
    awaitCondition("contended", ConditionType.Ready, "Available");
    assertThat(operatorCreates("deployments", 201)).isPositive();
    assertThat(eventReasons("contended")).noneMatch(e -> e.startsWith("Warning/"));
  }

  /**
   * A pool whose spec did not change is not written again: each BaseModel reconcile (after every
   * status change, Deployment status change or pod event) compared the stored Deployment with the
   * desired one, and a difference the server makes by defaulting was taken for a change, so the
   * Deployment was PUT again each time (5-10 times per pool in the audit log, some answered 409
   * because the Deployment controller had written its status meanwhile).
   */
  @Test
  void anUnchangedServingDeploymentIsNotWrittenAgain() throws Exception {
    baseModel("steady"); // one replica, as the FineTuneJob and LoraAdapter suites use it
    awaitCondition("steady", ConditionType.Ready, "Available");
    // A replaced pod changes the Deployment's status twice: two more reconciles at least.
    String pod =
        admin
            .pods()
            .inNamespace(namespace)
            .withLabel(BaseModelResources.BASE_MODEL, "steady")
            .list()
            .getItems()
            .getFirst()
            .getMetadata()
            .getName();
    admin.pods().inNamespace(namespace).withName(pod).delete();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                admin
                    .pods()
                    .inNamespace(namespace)
                    .withLabel(BaseModelResources.BASE_MODEL, "steady")
                    .list()
                    .getItems()
                    .stream()
                    .noneMatch(p -> p.getMetadata().getName().equals(pod)));
    awaitCondition("steady", ConditionType.Ready, "Available");
    Thread.sleep(3000); // the reconciles that follow the last status change
    Deployment stored =
        admin.apps().deployments().inNamespace(namespace).withName("serving-steady").get();
    Deployment desired = ServingWorkload.deployment(get("steady"), config);
    assertThat(
            AuditEvent.read(RealCluster.auditLog()).stream()
                .filter(e -> e.namespace().equals(namespace) && e.resource().equals("deployments"))
                .filter(e -> e.requestUri().contains("/deployments/serving-steady"))
                .filter(e -> e.subresource() == null || e.subresource().isEmpty())
                .filter(
                    e ->
                        e.user()
                            .startsWith("system:serviceaccount:" + RealCluster.OPERATOR_NAMESPACE))
                .filter(e -> e.verb().equals("update") || e.verb().equals("patch"))
                .map(e -> e.verb() + " " + e.code())
                .toList())
        .as(
            "writes to the unchanged serving Deployment; desired vs stored: %s",
            io.fabric8.zjsonpatch.JsonDiff.asJson(
                JSON.valueToTree(CanonicalQuantities.of(desired)).path("spec"),
                JSON.valueToTree(CanonicalQuantities.of(stored)).path("spec")))
        .isEmpty();
  }

  /** The operator's creates of {@code resource} in the namespace answered with {@code code}. */
  private long operatorCreates(String resource, int code) {
    return AuditEvent.read(RealCluster.auditLog()).stream()
        .filter(e -> e.verb().equals("create") && e.resource().equals(resource))
        .filter(e -> e.namespace().equals(namespace) && e.code() == code)
        .count();
  }

  /** A Deployment of someone else's, scaled to 0, unlabelled (no informer of ours sees it). */
  private Deployment squatter(String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withNewSpec()
        .withReplicas(0)
        .withNewSelector()
        .addToMatchLabels("squatter", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("squatter", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("c")
        .withImage("squatter")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * The API server's answer to a create of Deployment {@code name} in the namespace, once the
   * policy is in force (policies take effect asynchronously): a dry run, so nothing is stored.
   */
  private String awaitTheServersRefusal(String name) {
    Deployment probe =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("probe", "policy")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("probe", "policy")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("c")
            .withImage("probe")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    String[] message = new String[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> admin.resource(probe).dryRun().create())
                    .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> {
                          assertThat(e.getCode()).isEqualTo(422);
                          message[0] = e.getStatus().getMessage();
                        }));
    assertThat(message[0]).contains(POLICY_MESSAGE);
    return message[0];
  }

  private static final String POLICY_MESSAGE =
      "Deployments are refused in this namespace by the cluster's policy";

  private static GenericKubernetesResource denyDeploymentsIn(String name) {
    return Serialization.unmarshal(
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: %s}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: [apps]
              apiVersions: [v1]
              operations: [CREATE, UPDATE]
              resources: [deployments]
          validations:
          - expression: "false"
            message: "%s"
        """
            .formatted(name, POLICY_MESSAGE),
        GenericKubernetesResource.class);
  }

  private GenericKubernetesResource bindingOf(String policy) {
    return Serialization.unmarshal(
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: %1$s}
        spec:
          policyName: %1$s
          validationActions: [Deny]
          matchResources:
            namespaceSelector:
              matchLabels: {kubernetes.io/metadata.name: %2$s}
        """
            .formatted(policy, namespace),
        GenericKubernetesResource.class);
  }

  private void assertNoSecretInClusterObjects() {
    String everything =
        Serialization.asJson(admin.resources(BaseModel.class).inNamespace(namespace).list())
            + Serialization.asJson(admin.v1().events().inNamespace(namespace).list())
            + Serialization.asJson(admin.apps().deployments().inNamespace(namespace).list())
            + Serialization.asJson(admin.services().inNamespace(namespace).list());
    assertThat(everything).doesNotContain(EmbeddedObjectStore.SECRET_KEY);
  }
}
