package io.lorafleet.operator.finetunejob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lorafleet.api.v1alpha1.common.ComputeResources;
import io.lorafleet.api.v1alpha1.common.Condition;
import io.lorafleet.api.v1alpha1.common.ConditionType;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJob;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobPhase;
import io.lorafleet.api.v1alpha1.finetunejob.FineTuneJobSpec;
import io.lorafleet.api.v1alpha1.finetunejob.TargetModule;
import io.lorafleet.operator.testing.FineTuneJobFixtures;
import io.lorafleet.operator.testing.RealClusterOperator;
import io.lorafleet.operator.testing.RealClusterTestBase;
import io.lorafleet.operator.testing.TestOperatorConfig;
import io.lorafleet.operator.testing.kubelet.OperatorImages;
import io.lorafleet.testcluster.kubelet.LocalImage;
import io.lorafleet.testcluster.kubelet.ProcessRuntime;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review J4: a trainer that the kernel killed for memory fails its FineTuneJob as OOMKilled (with
 * the exit code), not only the Job's BackoffLimitExceeded; and a trainer Job the API server refuses
 * is a permanent reason with the server's message. On the real control plane: the trainer is the
 * real trainer JVM under a memory limit the kubelet stand-in enforces with a cgroup, so the kernel
 * kills it; the refusal is a real ValidatingAdmissionPolicy's 422. (A trainer that crashed with an
 * exit code and a termination message runs in FineTuneJobReconcilerTest.)
 */
@QuarkusTest
@WithTestResource(RealClusterOperator.class)
class TrainerFailureReasonTest extends RealClusterTestBase {
  /** The trainer image's real JVM, under a name of its own so only this test's pods run it. */
  private static final String REAL_TRAINER = "registry.test/lorafleet/trainer:real";

  @Override
  protected String namespacePrefix() {
    return "trainfail";
  }

  @BeforeAll
  static void runTheRealTrainerImage() {
    TestOperatorConfig config = new TestOperatorConfig();
    LocalImage trainer = OperatorImages.of(config).apply(config.trainerImage());
    kubelet.run(
        REAL_TRAINER, new ProcessRuntime(image -> image.equals(REAL_TRAINER) ? trainer : null));
  }

  /**
   * 16 MiB cannot hold a JVM: the kernel's OOM killer ends the trainer (137, OOMKilled), the Job
   * (no retry) fails with BackoffLimitExceeded, and the run says why.
   */
  @Test
  void anOomKilledTrainerFailsTheRunAsOomKilled() {
    baseModel("base");
    FineTuneJobSpec spec =
        FineTuneJobFixtures.spec(
            8,
            List.of(TargetModule.Q_PROJ),
            "s3",
            null,
            new ComputeResources(Map.of("memory", new Quantity("16Mi")), null),
            false);
    create("oom", withImageAndNoRetry(spec, REAL_TRAINER));
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> assertThat(get("oom").getStatus().phase()).isEqualTo(FineTuneJobPhase.Failed));
    Condition degraded = get("oom").getStatus().condition(ConditionType.Degraded).orElseThrow();
    assertThat(degraded.reason()).isEqualTo("OOMKilled");
    assertThat(degraded.message()).contains("137").contains("memory limit");
  }

  /**
   * A trainer Job the API server refuses (422, here a cluster's ValidatingAdmissionPolicy) is a
   * permanent problem of the spec, reported as BaseModel and MergePolicy report it: Degraded with
   * the API server's own message, not progressing, not retried.
   */
  @Test
  void aTrainerJobTheApiServerRejectsIsAPermanentReasonWithItsMessage() {
    baseModel("base");
    String policy = "deny-jobs-" + namespace;
    admin.resource(denyJobs(policy)).create();
    admin.resource(bindingOf(policy)).create();
    try {
      String message = awaitTheServersRefusal("train-rejected");
      create("rejected", FineTuneJobFixtures.spec());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                var status = get("rejected").getStatus();
                assertThat(status).isNotNull();
                Condition degraded = status.condition(ConditionType.Degraded).orElseThrow();
                assertThat(degraded.reason()).isEqualTo("RejectedByApiServer");
                assertThat(degraded.isTrue()).isTrue();
                assertThat(degraded.message()).isEqualTo(message);
                Condition progressing = status.condition(ConditionType.Progressing).orElseThrow();
                assertThat(progressing.isTrue()).as("progressing").isFalse();
                assertThat(progressing.reason()).isEqualTo("RejectedByApiServer");
                // A run's spec cannot change after creation: nothing can make this one start.
                assertThat(status.phase()).isEqualTo(FineTuneJobPhase.Failed);
              });
    } finally {
      admin.resource(bindingOf(policy)).delete();
      admin.resource(denyJobs(policy)).delete();
    }
  }

  private static FineTuneJobSpec withImageAndNoRetry(FineTuneJobSpec s, String image) {
    return new FineTuneJobSpec(
        s.baseModelRef(),
        s.dataset(),
        s.lora(),
        s.training(),
        s.output(),
        s.resources(),
        s.nodeSelector(),
        s.tolerations(),
        image,
        s.suspend(),
        s.activeDeadlineSeconds(),
        0,
        s.deleteCheckpointsOnDeletion());
  }

  /**
   * The API server's answer to a create of Job {@code name}, once the policy is in force (policies
   * take effect asynchronously): a dry run, so nothing is stored.
   */
  private String awaitTheServersRefusal(String name) {
    Job probe =
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .withRestartPolicy("Never")
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
      "training Jobs are refused in this namespace by the cluster's policy";

  private static GenericKubernetesResource denyJobs(String name) {
    return Serialization.unmarshal(
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: %s}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: [batch]
              apiVersions: [v1]
              operations: [CREATE, UPDATE]
              resources: [jobs]
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

  private FineTuneJob get(String name) {
    return admin.resources(FineTuneJob.class).inNamespace(namespace).withName(name).get();
  }

  private void create(String name, FineTuneJobSpec spec) {
    admin.resource(FineTuneJobFixtures.fineTuneJob(namespace, name, spec)).create();
  }
}
